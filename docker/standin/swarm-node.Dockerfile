# A Docker host of the local swarm (./scripts/swarm up --nodes N, docs/swarm.md): Debian's
# docker.io, whose engine runs in this container with its own /var/lib/docker (a volume, since
# overlay2 cannot sit on the container's own overlay). The build context holds the entrypoint.
# conntrack: tests/e2e/swarm.test.ts sets the connection tracking of tasks on the node.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends docker.io iptables iproute2 procps conntrack && rm -rf /var/lib/apt/lists/*
COPY swarm-node-entrypoint.sh /usr/local/bin/swarm-node-entrypoint
VOLUME /var/lib/docker
ENTRYPOINT ["swarm-node-entrypoint"]
