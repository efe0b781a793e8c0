FROM haskell:9.6 AS build
WORKDIR /opt/build
COPY stack.yaml package.yaml ./
RUN stack build --only-dependencies --system-ghc
COPY . .
RUN stack build --system-ghc --copy-bins --local-bin-path /opt/bin

FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libgmp10 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/bin/server /usr/local/bin/server
EXPOSE 3000/tcp
CMD ["server"]
