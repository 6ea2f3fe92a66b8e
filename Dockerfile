# One image for every role of EPrescription; compose.yaml picks the role with configuration (Bus__RunPrescriptionServer,
# Bus__RunNotebookSync). Build from the repository root: docker build -t eprescription .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/EPrescription.Api/EPrescription.Api.csproj -c Release -o /app \
 && dotnet publish src/EPrescription.Cli/EPrescription.Cli.csproj -c Release -o /app/cli

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# curl for the health checks; ICU for culture-aware formatting of Japanese dates.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl libicu72 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
# The development PKI, trusted only because compose.yaml says so; mount your own trust folder in production.
COPY certs-dev ./certs-dev
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    DOTNET_RUNNING_IN_CONTAINER=true
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=12 CMD curl -fsS http://localhost:8080/health/ready || exit 1
ENTRYPOINT ["dotnet", "EPrescription.Api.dll"]
