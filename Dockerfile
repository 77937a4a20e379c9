# syntax=docker/dockerfile:1
#
# Kaiku: one static Go binary with the Vue frontend embedded.
#   docker build -t kaiku .
# compose.yaml builds this for the app replicas.

# --- 1. frontend: Vue 3 + Vite -> frontend/dist -----------------------------
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# --- 2. Go binary (embeds frontend/dist via //go:embed all:dist) ------------
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Replace whatever dist the context carried (the tracked placeholder) with the real build.
RUN rm -rf frontend/dist
COPY --from=frontend /src/frontend/dist ./frontend/dist
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /kaiku .

# --- 3. runtime --------------------------------------------------------------
# Alpine rather than distroless so the compose healthcheck can use busybox wget.
FROM alpine:3.21
RUN apk add --no-cache ca-certificates tzdata \
 && addgroup -S -g 10001 kaiku \
 && adduser -S -D -H -u 10001 -G kaiku -h /data kaiku \
 && mkdir -p /data \
 && chown kaiku:kaiku /data
COPY --from=build /kaiku /kaiku
ENV KAIKU_ADDR=:8080 \
    KAIKU_DATA_DIR=/data
# /data holds the embedded database and search index when MONGODB_URI and
# MEILI_URL are unset (single-container use: docker run -v kaiku-data:/data ...).
WORKDIR /data
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/kaiku"]
