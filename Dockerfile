# syntax=docker/dockerfile:1
# VaeWeb: a self-contained publish on Debian 12 slim. Microsoft's SDK image is used to build only; the
# image that runs needs nothing from Microsoft's registry (the .NET runtime is inside the publish).
# Where that registry cannot be reached, deploy/container/build.sh publishes on the host and builds
# deploy/container/Containerfile instead (same run-time stage as below); that is what was built and
# run with podman (docs/operations.md, "Container").

FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
# Restore first, from the files that decide it, so source edits keep the (large) package layer cached.
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props .editorconfig ./
COPY src/VaeWeb.Vae/VaeWeb.Vae.csproj src/VaeWeb.Vae/
COPY src/VaeWeb/VaeWeb.csproj src/VaeWeb/
# For linux-x64 only (LibTorch's CPU package is x64): the output then carries Linux natives alone.
RUN dotnet restore src/VaeWeb/VaeWeb.csproj -r linux-x64
COPY src/ src/
COPY wwwroot/ wwwroot/
COPY data/ data/
COPY appsettings*.json ./
RUN dotnet publish src/VaeWeb/VaeWeb.csproj -c Release -r linux-x64 --self-contained -o /app --no-restore

# Keep this stage the same as deploy/container/Containerfile.
FROM docker.io/library/debian:bookworm-slim AS final
# A self-contained .NET app needs OpenSSL (it dies at start without it) and CA certificates; no ICU
# (invariant globalization).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl3 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin vaeweb \
 && mkdir -p /data && chown vaeweb /data
COPY --from=build /app /app
WORKDIR /app
# State (runs.db, runs.json, checkpoints) lives in a volume owned by the image's non-root user.
VOLUME ["/data"]
# Host names: the default answers only localhost, 127.0.0.1 and [::1]; a deployment reached by another
# name sets AllowedHosts (e.g. -e AllowedHosts=vae.example.com) and, behind a proxy, Vae__Security__KnownProxies__0.
ENV Vae__StateDirectory=/data \
    Urls=http://+:8080 \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
    DOTNET_gcServer=0
EXPOSE 8080
USER 10001
# No curl or wget in the image; bash's /dev/tcp is enough to ask /healthz.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# SIGTERM (docker/podman stop) checkpoints the active run and marks it interrupted within
# Vae:Training:ShutdownTimeout (30 s); give stop at least that long: docker stop -t 40.
ENTRYPOINT ["/app/VaeWeb"]
