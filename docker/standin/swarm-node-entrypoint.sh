#!/bin/sh
# The engine of one local swarm node. Run with every capability the host's engine can grant
# (--privileged where it can: scripts/swarm says why it may not), which outside --privileged
# still mounts /sys and the cgroup hierarchies read-only: the engine writes its containers'
# cgroups there, so they are made writable first (a no-op where they already are).
# Its API is also served on /run/english-practice-swarm/docker.sock, in a folder the host
# mounts: scripts/swarm drives the node from there (docker load, docker stack deploy).
set -eu
mount -o remount,bind,rw /sys
awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/mounts | while read -r hierarchy; do
  mount -o remount,bind,rw "$hierarchy"
done
# cgroup v2: a cgroup with processes cannot hand controllers to its children, so this one's
# processes move to a child first (as the docker:dind image's own entrypoint does).
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/init
  xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null || true
  sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control
fi
# A node killed and started again (a container's files outlive it) finds its engine's pid files.
rm -f /run/docker.pid /run/docker/containerd/containerd.pid
exec dockerd --log-level=warn \
  --host=unix:///var/run/docker.sock \
  --host=unix:///run/english-practice-swarm/docker.sock
