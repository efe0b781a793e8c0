FROM grafana/grafana:10.3.3
HEALTHCHECK NONE
USER root
RUN apk add --no-cache curl jq
USER grafana
ENV GF_INSTALL_PLUGINS=grafana-clock-panel
