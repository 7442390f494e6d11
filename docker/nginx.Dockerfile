# The compose edge: NGINX_IMAGE (the official image, or the Debian stand-in) plus openssl for the
# self-signed certificate and the entrypoint that keeps the upstream in step with the replicas.
# The configuration itself (./nginx) is mounted, not copied.
ARG NGINX_IMAGE=nginx:1.27-bookworm
FROM ${NGINX_IMAGE}
RUN command -v openssl >/dev/null || { apt-get update && apt-get install -y --no-install-recommends openssl && rm -rf /var/lib/apt/lists/*; }
COPY nginx-entrypoint.sh /usr/local/bin/english-practice-nginx
ENTRYPOINT ["english-practice-nginx"]
