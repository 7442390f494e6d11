import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * Runs a command the way a container runtime runs a pod's container under the manifests'
 * security context, with the kernel's own tools (unshare, setpriv) rather than a runtime, which
 * cannot run here: its own mount namespace in which the root file system is read-only and only
 * the pod's volumes are writable, the user and groups of the security context, every capability
 * dropped, no privilege escalation (no_new_privs). Optionally its own network namespace (the
 * pod's own loopback, so fixed ports collide with nothing). Needs root, as the tests have here.
 *
 * The sandbox is not a container: it shares the machine's file system (read-only), so the
 * machine's programs are where they are. The image's own files (its WORKDIR: dist, node_modules…)
 * are entries of the checkout bound read-only under `podImageDir`, so that the pod's user reaches
 * them whatever the checkout's ancestors allow (mktemp's private 0700 folder, /root) and whatever
 * an emptyDir hides (a checkout under /tmp). Mount targets must lie under /run, /tmp or
 * /etc/nginx: the folders the manifests mount into (an image has those folders empty or its own).
 */
export const podImageDir = '/run/.image';

export interface PodSandbox {
  user: number;
  group: number;
  /** The pod's fsGroup: a supplementary group of the process, and the group of the secret files. */
  fsGroup?: number;
  /** `emptyDir` volumes (a tmpfs each), secret and ConfigMap volumes (a folder prepared by the test, mounted read-only). */
  mounts: ({ path: string; emptyDir: true } | { path: string; readOnlyFrom: string })[];
  /** Its own network namespace: only loopback addresses, reachable through nsenter. */
  ownNetwork?: boolean;
  /** Files of /etc/nginx the image has (mime.types), when something is mounted below it. */
  etcNginxFiles?: string[];
  /** The image's files: these entries (files or folders) of a host folder, at the same place under `podImageDir`, its WORKDIR. */
  image?: { from: string; entries: string[] };
}

/** Where a host path under one of the image's entries is inside the sandbox; other paths are left as they are. */
export function pathInPodImage(sandbox: PodSandbox, hostPath: string): string {
  if (sandbox.image === undefined) return hostPath;
  const inside = relative(sandbox.image.from, hostPath);
  const inImage = sandbox.image.entries.some((entry) => inside === entry || inside.startsWith(`${entry}/`));
  return inImage ? join(podImageDir, inside) : hostPath;
}

const allowedRoots = ['/run/', '/etc/nginx/', '/tmp'];

export function spawnInPodSandbox(sandbox: PodSandbox, command: string[], env: Record<string, string>): ChildProcess {
  if (process.getuid?.() !== 0) throw new Error('the pod sandbox needs root (unshare and mount)');
  for (const mount of sandbox.mounts) {
    if (!allowedRoots.some((root) => mount.path === root || mount.path.startsWith(root))) {
      throw new Error(`pod sandbox: mount path ${mount.path} is not under ${allowedRoots.join(', ')}`);
    }
  }
  const lines = ['set -euo pipefail', 'cd /'];
  if (sandbox.ownNetwork === true) {
    // glibc resolves names only where an interface other than loopback has an address
    // (AI_ADDRCONFIG), as a pod's eth0 does: a veth pair with a loopback-range address.
    lines.push(
      'ip link set lo up',
      'ip link add pod0 type veth peer name pod1',
      'ip addr add 127.0.0.2/32 dev pod0',
      'ip link set pod0 up',
      'ip link set pod1 up',
    );
  }
  // The image's /run, empty; and its /etc/nginx (its own files, and the folders mounted into).
  lines.push('mount -t tmpfs -o size=16m,mode=755 tmpfs /run');
  const { from, entries } = sandbox.image ?? { from: '/', entries: [] };
  for (const entry of entries) {
    const source = join(from, entry);
    const target = join(podImageDir, entry);
    if (statSync(source).isDirectory()) lines.push(`mkdir -p ${quote(target)}`);
    else lines.push(`mkdir -p ${quote(dirname(target))}`, `touch ${quote(target)}`);
    lines.push(`mount --bind ${quote(source)} ${quote(target)}`, `mount -o remount,bind,ro ${quote(target)}`);
  }
  const underEtcNginx = sandbox.mounts.filter((mount) => mount.path.startsWith('/etc/nginx/'));
  if (underEtcNginx.length > 0) {
    lines.push('mkdir /run/.image-etc-nginx');
    for (const file of sandbox.etcNginxFiles ?? []) lines.push(`cp ${quote(`/etc/nginx/${file}`)} /run/.image-etc-nginx/`);
    for (const mount of underEtcNginx) lines.push(`mkdir -p ${quote(`/run/.image-etc-nginx/${mount.path.slice('/etc/nginx/'.length)}`)}`);
    lines.push('mount --bind /run/.image-etc-nginx /etc/nginx');
  }
  for (const mount of sandbox.mounts) {
    if (mount.path === '/tmp') continue;
    if (mount.path.startsWith('/run/')) lines.push(`mkdir -p ${quote(mount.path)}`);
    if ('readOnlyFrom' in mount) lines.push(`mount --bind ${quote(mount.readOnlyFrom)} ${quote(mount.path)}`, `mount -o remount,bind,ro ${quote(mount.path)}`);
    else lines.push(`mount -t tmpfs -o size=64m,mode=1777 tmpfs ${quote(mount.path)}`);
  }
  if (underEtcNginx.length > 0) lines.push('mount -o remount,bind,ro /etc/nginx');
  // Last: read-only sources may sit in the machine's /tmp.
  if (sandbox.mounts.some((mount) => mount.path === '/tmp')) lines.push('mount -t tmpfs -o size=64m,mode=1777 tmpfs /tmp');
  lines.push('mount -o remount,bind,ro /', `cd ${sandbox.image === undefined ? '/' : podImageDir}`);
  // As runc does (fixStdioPermissions): stdout and stderr are pipes owned by the container's
  // user, so that it may reopen /dev/stdout (Nginx's access log). Node hands a child sockets.
  lines.push('exec > >(cat) 2> >(cat >&2)', `chown ${sandbox.user}:${sandbox.group} /proc/self/fd/1 /proc/self/fd/2`);
  const groups = sandbox.fsGroup === undefined ? '--clear-groups' : `--groups=${sandbox.fsGroup}`;
  lines.push(`exec setpriv --reuid=${sandbox.user} --regid=${sandbox.group} ${groups} --inh-caps=-all --bounding-set=-all --no-new-privs -- "$@"`);
  const namespaces = ['--mount', '--propagation', 'private', ...(sandbox.ownNetwork === true ? ['--net'] : [])];
  return spawn('unshare', [...namespaces, '--', 'bash', '-c', lines.join('\n'), 'pod-sandbox', ...command], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The command run in a sandbox's network namespace (`ownNetwork`), as root: how a test reaches the pod. */
export function inPodNetwork(sandboxPid: number, command: string[]): string[] {
  return ['nsenter', `--net=/proc/${sandboxPid}/ns/net`, '--', ...command];
}

function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
