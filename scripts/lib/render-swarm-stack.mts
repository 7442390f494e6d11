/**
 * `docker-compose config | node scripts/lib/render-swarm-stack.mts STACK > stack.yml`: the stack
 * file of scripts/lib/swarm-stack.mts, after creating the secrets it names that the swarm does
 * not hold yet (on the engine DOCKER_HOST names, a swarm manager). The secrets' values travel
 * through the pipe and docker's stdin only, never a file or a command line.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { toStack, type SwarmSecret } from './swarm-stack.mts';

/**
 * Creates each secret the swarm does not hold yet, labelled with the stack's namespace, so that
 * `docker stack rm` removes it with the stack. The value goes in on stdin, never on a command line.
 */
function createSecrets(stackName: string, secrets: SwarmSecret[]): void {
  const existing = new Set(execFileSync('docker', ['secret', 'ls', '--format', '{{.Name}}'], { encoding: 'utf8' }).split('\n'));
  for (const secret of secrets) {
    if (existing.has(secret.name)) continue;
    execFileSync('docker', ['secret', 'create', '--label', `com.docker.stack.namespace=${stackName}`, secret.name, '-'], { input: secret.value, stdio: ['pipe', 'ignore', 'inherit'] });
  }
}

function main(): void {
  const stackName = process.argv[2];
  if (!stackName) throw new Error('usage: docker-compose config | node scripts/lib/render-swarm-stack.mts STACK');
  const { stack, secrets } = toStack(parse(readFileSync(0, 'utf8')) as Record<string, unknown>, stackName);
  createSecrets(stackName, secrets);
  process.stdout.write(stringify(stack));
}

main();
