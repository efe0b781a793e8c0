FROM hashicorp/vault:1.15
USER root
RUN apk add --no-cache jq curl bash && \
    mkdir -p /vault/agent && \
    chown -R vault:vault /vault/agent
COPY --chown=vault:vault agent.hcl /vault/agent/agent.hcl
USER vault
ENTRYPOINT ["vault"]
CMD ["agent", "-config=/vault/agent/agent.hcl"]
