FROM alpine:3.19 AS Build-Env.1
RUN echo built > /out

FROM alpine:3.19 AS run
COPY --from=build-env.1 /out /in

FROM alpine:3.19 AS copy
COPY --from=RUN /in /in2

FROM alpine:3.19
COPY --from=copy /in2 /final
COPY --from=1 /in /from-index
