FROM gcc:13 AS build
RUN apt-get update && apt-get install -y cmake ninja-build && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt .
COPY src/ src/
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build --parallel \
 && strip build/app

FROM gcr.io/distroless/cc-debian12
COPY --from=build /src/build/app /app
ENTRYPOINT ["/app"]
