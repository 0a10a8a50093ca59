# syntax=docker/dockerfile:1
# VaeWeb: multi-stage build on the official .NET 10 images.
# Microsoft ships no Debian images for .NET 10 (the default tags are Ubuntu 24.04 "noble"), so
# these are the noble tags, pinned explicitly. Not built on the development machines (no Docker
# engine there): see docs/operations.md.

FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
# Restore first, from the files that decide it, so source edits keep the (large) package layer cached.
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props .editorconfig ./
COPY src/VaeWeb.Vae/VaeWeb.Vae.csproj src/VaeWeb.Vae/
COPY src/VaeWeb/VaeWeb.csproj src/VaeWeb/
# For linux-x64 only (LibTorch's CPU package is x64): the output then carries Linux natives alone, not the
# Windows and macOS ones that TorchSharp and its dependencies bring (about 600 MB, none usable here).
RUN dotnet restore src/VaeWeb/VaeWeb.csproj -r linux-x64
COPY src/ src/
COPY wwwroot/ wwwroot/
COPY data/ data/
COPY appsettings*.json ./
RUN dotnet publish src/VaeWeb/VaeWeb.csproj -c Release -r linux-x64 --self-contained false -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble AS final
WORKDIR /app
COPY --from=build /app ./
# State (runs.db, checkpoints) lives in a volume owned by the image's non-root user.
RUN mkdir -p /data && chown "$APP_UID" /data
VOLUME ["/data"]
# Host names: the default answers only localhost, 127.0.0.1 and [::1]; a deployment reached by another
# name sets AllowedHosts (e.g. -e AllowedHosts=vae.example.com) and, behind a proxy, Vae__Security__KnownProxies__0.
ENV Vae__StateDirectory=/data \
    Urls=http://+:8080 \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_gcServer=0
EXPOSE 8080
USER $APP_UID
# The runtime image has no curl or wget; bash's /dev/tcp is enough to ask /healthz.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# SIGTERM (docker stop) checkpoints the active run and marks it interrupted within
# Vae:Training:ShutdownTimeout (30 s); give docker stop at least that long: docker stop -t 40.
ENTRYPOINT ["dotnet", "VaeWeb.dll"]
