// Two "hosts" on one machine: network namespaces joined by a veth pair, addresses on the veth
// only. mpirun runs in the first and reaches the second through a launch agent (OpenMPI's
// plm_rsh_agent, standing in for ssh) that enters the namespace; TCP is bound to the veth subnet.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TwoHosts {
  namespaces: [string, string];
  addresses: [string, string];
  /** Prefix that runs a command on the first host. */
  launcher: string[];
  /** mpirun flags: one slot per host, the agent, TCP bound to the veth subnet. */
  mpirunArgs: string[];
  cleanUp(): void;
}

function ip(args: string[]): { ok: boolean; error: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: r.status === 0, error: (r.error?.message ?? r.stderr ?? '').trim() };
}

/** Sets the two hosts up, or returns why it cannot here (not root, no `ip`, netns not permitted). */
export function setUpTwoHosts(): TwoHosts | string {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'ip netns needs root';
  const id = process.pid % 100_000;
  const ns: [string, string] = [`kiln-a-${id}`, `kiln-b-${id}`];
  const veth = [`kva${id}`, `kvb${id}`];
  const subnet = `10.213.${id % 250}`;
  const addresses: [string, string] = [`${subnet}.1`, `${subnet}.2`];
  const dir = mkdtempSync(join(tmpdir(), 'kiln-hosts-'));
  const cleanUp = (): void => {
    for (const n of ns) ip(['netns', 'del', n]); // deleting a namespace deletes its end of the veth pair
    rmSync(dir, { recursive: true, force: true });
    process.off('exit', cleanUp);
  };
  process.on('exit', cleanUp);
  const first = ip(['netns', 'add', ns[0]]);
  if (!first.ok) {
    cleanUp();
    return `ip netns add is not permitted here (${first.error || 'no ip command'})`;
  }
  const steps: string[][] = [
    ['netns', 'add', ns[1]],
    ['link', 'add', veth[0], 'type', 'veth', 'peer', 'name', veth[1]],
    ...[0, 1].flatMap((i) => [
      ['link', 'set', veth[i], 'netns', ns[i]],
      ['-n', ns[i], 'addr', 'add', `${addresses[i]}/24`, 'dev', veth[i]],
      ['-n', ns[i], 'link', 'set', veth[i], 'up'],
      ['-n', ns[i], 'link', 'set', 'lo', 'up'],
    ]),
  ];
  for (const step of steps) {
    const r = ip(step);
    if (!r.ok) {
      cleanUp();
      return `could not set up the two namespaces (ip ${step.join(' ')}: ${r.error})`;
    }
  }
  // Called like ssh: [options] host command…; the command is one shell line, as ssh would run it.
  const agent = join(dir, 'netns-agent.sh');
  writeFileSync(
    agent,
    [
      '#!/bin/sh',
      'while [ "${1#-}" != "$1" ]; do shift; done',
      'host=$1; shift',
      `case "$host" in ${addresses[0]}) ns=${ns[0]};; ${addresses[1]}) ns=${ns[1]};; *) echo "netns agent: unknown host $host" >&2; exit 255;; esac`,
      'exec ip netns exec "$ns" /bin/sh -c "$*"',
      '',
    ].join('\n'),
  );
  chmodSync(agent, 0o755);
  return {
    namespaces: ns,
    addresses,
    launcher: ['ip', 'netns', 'exec', ns[0]],
    mpirunArgs: [
      '-H', `${addresses[0]}:1,${addresses[1]}:1`,
      '--mca', 'plm_rsh_agent', agent,
      '--mca', 'btl', 'tcp,self',
      '--mca', 'btl_tcp_if_include', `${subnet}.0/24`,
      '--mca', 'oob_tcp_if_include', `${subnet}.0/24`,
    ],
    cleanUp,
  };
}
