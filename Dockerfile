# syntax=docker/dockerfile:1
# One image with the four static binaries; docker-compose.yml picks the
# program per service with its entrypoint. See docs/deployment.md.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static binaries: no cgo, no build paths, no symbol tables. e2e's
# TestScaleDockerfileBuildsStaticBinaries runs this same command.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/ \
    ./cmd/tokensvc ./cmd/gqlgateway ./cmd/tokenctl ./cmd/healthcheck

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /usr/local/bin/
# distroless's nonroot user, by number so no passwd lookup is needed.
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/tokensvc"]
