# Stand-in for FerretDB's backend: Debian's PostgreSQL 15, started by the project's own
# scripts/lib/postgresql-server (the build context holds it and ferretdb-indexes.sql), as the
# stack runs it. Its port is reached by FerretDB over the compose network only, never published.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-15 && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /data && chown postgres:postgres /data
COPY postgresql-server ferretdb-indexes.sql /usr/local/lib/english-practice/
USER postgres
CMD ["/usr/local/lib/english-practice/postgresql-server", "/data/cluster", "5432", "*"]
