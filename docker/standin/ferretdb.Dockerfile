# Stand-in for MONGO_IMAGE: FerretDB 1.24, the binary scripts/lib/tools.sh builds (the build
# context holds just that `ferretdb`). One member, no replica set; docker-compose.standin.yml
# runs it on the stand-in PostgreSQL (postgresql.Dockerfile).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY ferretdb /usr/local/bin/ferretdb
RUN useradd --system --create-home --home-dir /data ferretdb
USER ferretdb
CMD ["ferretdb", "--handler=postgresql", "--postgresql-url=postgres://ferretdb@ferretdb-postgresql:5432/ferretdb", "--state-dir=/data", "--listen-addr=:27017", "--debug-addr=-", "--telemetry=disable", "--log-level=warn"]
