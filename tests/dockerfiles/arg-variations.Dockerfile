ARG REGISTRY=docker.io
ARG BASE_IMAGE=library/alpine
ARG BASE_TAG=3.19
ARG BUILD_DATE
ARG DEBUG=false
ARG JOBS=4
FROM ${REGISTRY}/${BASE_IMAGE}:${BASE_TAG} AS base
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$VCS_REF

FROM ${BASE_IMAGE:-library/busybox}:latest
ARG DEBUG
ARG JOBS
ARG EXTRA_FLAGS="-O2 -pipe"
RUN if [ "$DEBUG" = "true" ]; then echo debug build; fi
RUN make -j${JOBS} CFLAGS="$EXTRA_FLAGS"
COPY --from=base /etc/os-release /etc/base-release
