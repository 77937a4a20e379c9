package deploy

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// Docker does not run on the development machines, so these tests load
// compose.yaml with compose-go (the loader Docker Compose itself uses, so
// interpolation, merging and schema validation behave as in `docker compose`)
// and check the topology, then read the Dockerfile and the Caddyfile as text.

const (
	composeFile   = "../compose.yaml"
	dockerfile    = "../Dockerfile"
	caddyfile     = "../deploy/Caddyfile"
	testMasterKey = "test-master-key-0123456789abcdef"
)

// The replicas listen on KAIKU_ADDR=:8080; the proxy must reach them there.
const appPort = "8080"

// loadCompose loads compose.yaml with exactly the given interpolation
// environment: no process environment and no .env file, so the result does
// not depend on the machine the test runs on.
func loadCompose(t *testing.T, env ...string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions(
		[]string{composeFile},
		cli.WithWorkingDirectory(".."),
		cli.WithEnv(env),
	)
	if err != nil {
		t.Fatalf("compose options: %v", err)
	}
	return opts.LoadProject(context.Background())
}

func mustLoadCompose(t *testing.T, env ...string) *types.Project {
	t.Helper()
	p, err := loadCompose(t, env...)
	if err != nil {
		t.Fatalf("loading %s with %v: %v", composeFile, env, err)
	}
	return p
}

func mustService(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("compose.yaml: service %q is missing (services: %v)", name, p.ServiceNames())
	}
	return s
}

// appReplicas returns the services built from the repository's Dockerfile,
// sorted by name.
func appReplicas(p *types.Project) []types.ServiceConfig {
	var out []types.ServiceConfig
	for _, s := range p.Services {
		if s.Build != nil {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func env(s types.ServiceConfig, key string) (string, bool) {
	v, ok := s.Environment[key]
	if !ok || v == nil {
		return "", false
	}
	return *v, true
}

func healthcheck(s types.ServiceConfig) string {
	if s.HealthCheck == nil || s.HealthCheck.Disable {
		return ""
	}
	return strings.Join(s.HealthCheck.Test, " ")
}

// flagValue returns the value of a command-line flag given as "--flag v" or "--flag=v".
func flagValue(args []string, flag string) (string, bool) {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1], true
		}
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			return v, true
		}
	}
	return "", false
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return string(b)
}

func TestComposeInterpolation(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		wantErr string // substring of the load error; "" means the load succeeds
	}{
		{"MEILI_MASTER_KEY unset is refused", nil, "MEILI_MASTER_KEY"},
		{"MEILI_MASTER_KEY empty is refused", []string{"MEILI_MASTER_KEY="}, "MEILI_MASTER_KEY"},
		{"MEILI_MASTER_KEY set loads", []string{"MEILI_MASTER_KEY=" + testMasterKey}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadCompose(t, tc.env...)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("loading with %v failed: %v", tc.env, err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("loading with %v succeeded; want an error naming %s (required interpolation ${%s:?...})",
					tc.env, tc.wantErr, tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("loading with %v: error %q does not name %s", tc.env, err, tc.wantErr)
			}
		})
	}
}

func TestComposeBaseURL(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"default", nil, "http://localhost:8080"},
		{"override", []string{"KAIKU_BASE_URL=https://help.example.com"}, "https://help.example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustLoadCompose(t, append([]string{"MEILI_MASTER_KEY=" + testMasterKey}, tc.env...)...)
			for _, s := range appReplicas(p) {
				if got, _ := env(s, "KAIKU_BASE_URL"); got != tc.want {
					t.Errorf("%s: KAIKU_BASE_URL = %q, want %q", s.Name, got, tc.want)
				}
			}
		})
	}
}

func TestComposeMongo(t *testing.T) {
	p := mustLoadCompose(t, "MEILI_MASTER_KEY="+testMasterKey)
	mongo := mustService(t, p, "mongo")

	if !strings.HasPrefix(mongo.Image, "mongo:") {
		t.Errorf("mongo: image = %q, want mongo:<version>", mongo.Image)
	}
	rs, ok := flagValue(mongo.Command, "--replSet")
	if !ok || rs == "" {
		t.Fatalf("mongo: command %q does not start a replica set (--replSet <name>)", mongo.Command)
	}
	if _, ok := flagValue(mongo.Command, "--bind_ip_all"); !ok && !slices.Contains(mongo.Command, "--bind_ip_all") {
		t.Errorf("mongo: command %q lacks --bind_ip_all; the replicas could not connect", mongo.Command)
	}
	hc := healthcheck(mongo)
	for _, want := range []string{"rs.initiate", rs, "isWritablePrimary"} {
		if !strings.Contains(hc, want) {
			t.Errorf("mongo: healthcheck %q does not contain %q (it must initiate the replica set and wait for primary)", hc, want)
		}
	}
	if !hasNamedVolumeAt(mongo, "/data/db") {
		t.Errorf("mongo: no named volume mounted at /data/db (volumes: %+v)", mongo.Volumes)
	}

	// The replicas must name the same replica set.
	for _, s := range appReplicas(p) {
		uri, _ := env(s, "MONGODB_URI")
		if !strings.Contains(uri, "replicaSet="+rs) {
			t.Errorf("%s: MONGODB_URI %q does not name replicaSet=%s started by mongo", s.Name, uri, rs)
		}
	}
}

func TestComposeMeilisearch(t *testing.T) {
	p := mustLoadCompose(t, "MEILI_MASTER_KEY="+testMasterKey)
	meili := mustService(t, p, "meilisearch")

	if !regexp.MustCompile(`^getmeili/meilisearch:v1\.\d+`).MatchString(meili.Image) {
		t.Errorf("meilisearch: image = %q, want a pinned getmeili/meilisearch:v1.x tag", meili.Image)
	}
	for key, want := range map[string]string{
		"MEILI_MASTER_KEY": testMasterKey,
		"MEILI_ENV":        "production",
	} {
		if got, _ := env(meili, key); got != want {
			t.Errorf("meilisearch: %s = %q, want %q", key, got, want)
		}
	}
	if hc := healthcheck(meili); !strings.Contains(hc, "/health") {
		t.Errorf("meilisearch: healthcheck %q does not probe /health", hc)
	}
	if !hasNamedVolumeAt(meili, "/meili_data") {
		t.Errorf("meilisearch: no named volume mounted at /meili_data (volumes: %+v)", meili.Volumes)
	}
}

func TestComposeAppReplicas(t *testing.T) {
	p := mustLoadCompose(t, "MEILI_MASTER_KEY="+testMasterKey)
	repoRoot, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}

	apps := appReplicas(p)
	var names []string
	total := 0
	for _, s := range apps {
		names = append(names, s.Name)
		total += s.GetScale()
	}
	if total != 2 {
		t.Fatalf("want exactly 2 app replicas built from the Dockerfile, got %d (services with build: %v)", total, names)
	}
	if want := []string{"app1", "app2"}; !slices.Equal(names, want) {
		t.Fatalf("app replicas are %v, want %v", names, want)
	}

	for _, s := range apps {
		t.Run(s.Name, func(t *testing.T) {
			if s.GetScale() != 1 {
				t.Errorf("scale = %d, want 1 (each replica is its own service)", s.GetScale())
			}
			if s.Build.Context != repoRoot {
				t.Errorf("build context = %q, want the repository root %q", s.Build.Context, repoRoot)
			}
			if s.Build.Dockerfile != "Dockerfile" {
				t.Errorf("build dockerfile = %q, want Dockerfile", s.Build.Dockerfile)
			}

			envChecks := []struct {
				key   string
				check func(string) bool
				want  string
			}{
				{"MONGODB_URI", func(v string) bool {
					return strings.HasPrefix(v, "mongodb://mongo:27017/") && strings.Contains(v, "replicaSet=")
				}, "mongodb://mongo:27017/...?replicaSet=..."},
				{"MEILI_URL", func(v string) bool { return v == "http://meilisearch:7700" }, "http://meilisearch:7700"},
				{"MEILI_API_KEY", func(v string) bool { return v == testMasterKey }, "the MEILI_MASTER_KEY value"},
				{"KAIKU_ADDR", func(v string) bool { return v == ":"+appPort }, ":" + appPort},
				{"KAIKU_BASE_URL", func(v string) bool { return v != "" }, "a base URL"},
			}
			for _, c := range envChecks {
				v, ok := env(s, c.key)
				if !ok {
					t.Errorf("environment %s is not set; want %s", c.key, c.want)
					continue
				}
				if !c.check(v) {
					t.Errorf("environment %s = %q; want %s", c.key, v, c.want)
				}
			}

			for _, dep := range []string{"mongo", "meilisearch"} {
				d, ok := s.DependsOn[dep]
				if !ok {
					t.Errorf("does not depend on %s", dep)
					continue
				}
				if d.Condition != types.ServiceConditionHealthy {
					t.Errorf("depends_on %s: condition = %q, want %q", dep, d.Condition, types.ServiceConditionHealthy)
				}
			}

			if hc := healthcheck(s); !strings.Contains(hc, "/readyz") {
				t.Errorf("healthcheck %q does not probe /readyz", hc)
			}
			if len(s.Ports) != 0 {
				t.Errorf("publishes ports %+v; replicas must be reached only through the proxy", s.Ports)
			}
			if s.Restart != types.RestartPolicyUnlessStopped {
				t.Errorf("restart = %q, want %q", s.Restart, types.RestartPolicyUnlessStopped)
			}
		})
	}
}

func TestComposeProxy(t *testing.T) {
	p := mustLoadCompose(t, "MEILI_MASTER_KEY="+testMasterKey)
	proxy := mustService(t, p, "proxy")

	// The proxy is the only way in.
	for _, s := range p.Services {
		if s.Name != proxy.Name && len(s.Ports) != 0 {
			t.Errorf("%s publishes ports %+v; only the proxy may", s.Name, s.Ports)
		}
	}
	if len(proxy.Ports) != 1 || proxy.Ports[0].Published != "8080" {
		t.Errorf("proxy ports = %+v, want exactly one, published on 8080", proxy.Ports)
	}
	if !strings.HasPrefix(proxy.Image, "caddy:") {
		t.Fatalf("proxy image = %q; this test knows how to check a caddy:2 proxy", proxy.Image)
	}

	// Its configuration is deploy/Caddyfile, mounted read-only.
	wantSource, err := filepath.Abs(caddyfile)
	if err != nil {
		t.Fatal(err)
	}
	mounted := false
	for _, v := range proxy.Volumes {
		if v.Type == types.VolumeTypeBind && v.Source == wantSource && v.Target == "/etc/caddy/Caddyfile" {
			mounted = true
			if !v.ReadOnly {
				t.Errorf("proxy: %s is mounted read-write; want :ro", v.Source)
			}
		}
	}
	if !mounted {
		t.Fatalf("proxy: %s is not mounted at /etc/caddy/Caddyfile (volumes: %+v)", wantSource, proxy.Volumes)
	}

	conf := readFile(t, caddyfile)
	rp := caddyDirective(conf, "reverse_proxy")
	if rp == "" {
		t.Fatalf("%s has no reverse_proxy directive", caddyfile)
	}
	upstreams := strings.Fields(strings.TrimSuffix(rp, "{"))[1:]
	for _, s := range appReplicas(p) {
		if want := s.Name + ":" + appPort; !slices.Contains(upstreams, want) {
			t.Errorf("%s: reverse_proxy upstreams %v do not include replica %s", caddyfile, upstreams, want)
		}
	}
	for _, want := range []struct{ directive, value, why string }{
		{"health_uri", "/readyz", "replicas that are not ready must get no traffic"},
		{"flush_interval", "-1", "server-sent events must pass through unbuffered"},
	} {
		line := caddyDirective(conf, want.directive)
		if f := strings.Fields(line); len(f) != 2 || f[1] != want.value {
			t.Errorf("%s: want %q %q (%s), found %q", caddyfile, want.directive, want.value, want.why, line)
		}
	}
}

// caddyDirective returns the first non-comment Caddyfile line whose first
// word is name, trimmed; "" if there is none.
func caddyDirective(conf, name string) string {
	for _, line := range strings.Split(conf, "\n") {
		line = strings.TrimSpace(line)
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return line
		}
	}
	return ""
}

func hasNamedVolumeAt(s types.ServiceConfig, target string) bool {
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeVolume && v.Source != "" && v.Target == target {
			return true
		}
	}
	return false
}

func TestDockerfile(t *testing.T) {
	text := readFile(t, dockerfile)
	// Join continuation lines so each instruction is one line.
	text = strings.ReplaceAll(text, "\\\n", " ")

	type stage struct {
		from  string
		lines []string
	}
	var stages []stage
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if f := strings.Fields(line); strings.EqualFold(f[0], "FROM") && len(f) > 1 {
			stages = append(stages, stage{from: f[1]})
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("%s: instruction before the first FROM: %q", dockerfile, line)
		}
		stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, line)
	}
	if len(stages) < 3 {
		t.Fatalf("%s: %d stages; want frontend (node), build (golang) and a runtime stage", dockerfile, len(stages))
	}
	find := func(prefix string) (stage, bool) {
		for _, s := range stages {
			if strings.HasPrefix(s.from, prefix) {
				return s, true
			}
		}
		return stage{}, false
	}
	has := func(s stage, re string) bool {
		r := regexp.MustCompile(re)
		return slices.ContainsFunc(s.lines, r.MatchString)
	}

	node, ok := find("node:")
	if !ok {
		t.Errorf("%s: no node stage building the frontend", dockerfile)
	} else {
		for _, re := range []string{`^RUN .*npm ci\b`, `^RUN .*npm run build\b`} {
			if !has(node, re) {
				t.Errorf("%s: node stage has no instruction matching %s", dockerfile, re)
			}
		}
	}

	golang, ok := find("golang:")
	if !ok {
		t.Fatalf("%s: no golang stage", dockerfile)
	}
	checks := []struct{ re, why string }{
		{`^RUN .*CGO_ENABLED=0 .*go build\b.* \.$`, "a static `go build ... .` of the repository root"},
		{`^COPY --from=\S+ \S*frontend/dist \S*frontend/dist$`, "the built frontend copied into frontend/dist before go build"},
	}
	for _, c := range checks {
		if !has(golang, c.re) {
			t.Errorf("%s: golang stage lacks %s (no line matches %s)", dockerfile, c.why, c.re)
		}
	}

	final := stages[len(stages)-1]
	for _, c := range []struct{ re, why string }{
		{`^COPY --from=\S+ /kaiku /kaiku$`, "the binary at /kaiku"},
		{`^EXPOSE 8080\b`, "EXPOSE 8080"},
		{`^USER \S+`, "a USER"},
		{`^ENTRYPOINT \["/kaiku"\]`, `ENTRYPOINT ["/kaiku"]`},
		{`/data\b`, "a /data directory"},
	} {
		if !has(final, c.re) {
			t.Errorf("%s: runtime stage lacks %s (no line matches %s)", dockerfile, c.why, c.re)
		}
	}
	for _, l := range final.lines {
		if f := strings.Fields(l); f[0] == "USER" && (f[1] == "root" || f[1] == "0" || strings.HasPrefix(f[1], "0:")) {
			t.Errorf("%s: runtime stage runs as root (%q)", dockerfile, l)
		}
	}

	// The compose healthcheck runs inside this image: the tool it calls must exist there.
	p := mustLoadCompose(t, "MEILI_MASTER_KEY="+testMasterKey)
	for _, s := range appReplicas(p) {
		if s.HealthCheck == nil || len(s.HealthCheck.Test) < 2 {
			continue
		}
		tool := s.HealthCheck.Test[1]
		switch {
		case s.HealthCheck.Test[0] != "CMD":
			t.Errorf("%s: healthcheck %q: use the exec form [\"CMD\", ...]", s.Name, s.HealthCheck.Test)
		case strings.Contains(final.from, "distroless") || final.from == "scratch":
			t.Errorf("%s: healthcheck calls %s, but the runtime image %s has no tools", s.Name, tool, final.from)
		case strings.HasPrefix(final.from, "alpine:") && tool != "wget" && !has(final, `^RUN .*apk add .*\b`+regexp.QuoteMeta(tool)+`\b`):
			t.Errorf("%s: healthcheck calls %s, which %s lacks (it has busybox wget) and the Dockerfile does not install", s.Name, tool, final.from)
		}
	}
}
