import { composeProject, deploymentScript, docker, type ComposeProject } from './compose';

/**
 * A deployment of ./scripts/swarm on local nodes: the compose test's settings (.env with a fresh
 * secret, free ports, rate limits off) under its own stack name.
 */
export async function swarmProject(): Promise<ComposeProject> {
  const project = await composeProject();
  const name = `epswarm${process.pid}`;
  return { ...project, name, env: { ...project.env, SWARM_PROJECT_NAME: name } };
}

/** ./scripts/swarm with the project's settings. */
export async function swarm(project: ComposeProject, args: string[], timeoutMs = 600_000): Promise<string> {
  return deploymentScript('swarm', project, args, timeoutMs);
}

export const nodeName = (project: ComposeProject, node: number): string => `${project.name}-node${node}`;

/** docker on one node's own engine (node 1 is the manager). */
export async function onNode(project: ComposeProject, node: number, args: string[]): Promise<string> {
  return docker(['exec', nodeName(project, node), 'docker', ...args]);
}

export interface Task {
  id: string;
  /** The node's hostname: PROJECT-nodeN. */
  node: string;
  /** The first 12 characters, the container's hostname (what /live reports in its instanceId). */
  container: string;
}

/**
 * The service's tasks that run now, as the manager sees them. A task with a health check runs
 * only once healthy (before, it is `starting`).
 */
export async function runningTasks(project: ComposeProject, service: string): Promise<Task[]> {
  const lines = await onNode(project, 1, [
    'service',
    'ps',
    '--no-trunc',
    '--filter',
    'desired-state=running',
    '--format',
    '{{.ID}} {{.Node}} {{.CurrentState}}',
    `${project.name}_${service}`,
  ]);
  const running = lines
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields[2] === 'Running');
  if (running.length === 0) return [];
  const containers = await onNode(project, 1, [
    'inspect',
    '--format',
    '{{.ID}} {{.Status.ContainerStatus.ContainerID}}',
    ...running.map((fields) => fields[0]!),
  ]);
  const containerOf = new Map(containers.split('\n').map((line) => line.split(' ') as [string, string]));
  return running.map(([id, node]) => ({ id: id!, node: node!, container: containerOf.get(id!)!.slice(0, 12) }));
}

/** The node number of a node's hostname. */
export const nodeNumber = (hostname: string): number => Number(/-node(\d+)$/.exec(hostname)?.[1]);

/**
 * What IPVS does to a connection idle for its timeout (900 s by default; moby #31208), made to
 * happen after `seconds` inside each task's network namespace: connection tracking forgets an
 * established connection idle that long (nf_conntrack_tcp_timeout_established), does not pick a
 * forgotten one up again from its next packet (nf_conntrack_tcp_loose=0), and packets of a
 * connection it does not know are dropped without a word. Every connection the task holds or
 * accepts passes there: the edge's to the API, the API's and the workers' to Redis and the
 * database. This kernel has no IPVS (CONFIG_IP_VS is not set), hence connection tracking.
 */
export async function forgetIdleConnections(task: Task, seconds: number): Promise<void> {
  const namespaceCommands = [
    `sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_established=${seconds} net.netfilter.nf_conntrack_tcp_loose=0`,
    'iptables -I INPUT -m conntrack --ctstate INVALID -j DROP',
    'iptables -I OUTPUT -m conntrack --ctstate INVALID -j DROP',
    // Connections open now count from now too (a tracked connection takes the new timeout only
    // from its next packet).
    `conntrack -U -p tcp --state ESTABLISHED --timeout ${seconds} >/dev/null 2>&1 || true`,
  ].join(' && ');
  const script = `pid="$(docker inspect -f '{{.State.Pid}}' ${task.container})" && nsenter -t "$pid" -n sh -c '${namespaceCommands}'`;
  await docker(['exec', task.node, 'sh', '-c', script]);
}

/**
 * What the API replicas logged about their database gate since `since` (an RFC 3339 time): each
 * closure and re-opening, with its cause. Each replica's first opening at start-up is left out.
 * A request answered 503 DATABASE_UNAVAILABLE under traffic is explained here.
 */
export async function databaseGateLines(project: ComposeProject, since: string): Promise<string[]> {
  // `docker service logs` fails while a node is down (the tasks it ran cannot be read): what the
  // others logged is kept, with a line saying the rest is missing, rather than failing the test or
  // reading as no change.
  const logs = `docker service logs --raw --since ${since} ${project.name}_app`;
  const script = `out="$(${logs} 2>/tmp/gate-log-errors)"; status=$?; printf '%s\n' "$out" | grep '"database gate' | grep -v '"by":"connected"'; [ "$status" = 0 ] || echo "docker service logs exited $status, some replicas' lines missing: $(head -c 300 /tmp/gate-log-errors)"; true`;
  const lines = await docker(['exec', nodeName(project, 1), 'sh', '-c', script]);
  return lines === '' ? [] : lines.split('\n');
}
