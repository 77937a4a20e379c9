// Package deploy checks the production-like deployment files (compose.yaml, Dockerfile, deploy/Caddyfile) without running Docker.
package deploy
