// What the numbers were measured on: printed with every report, because a ratio means little
// without the machine and the versions behind it.

import { cpus, release, totalmem, type as osType } from 'node:os';
import { toolVersion, type Tools } from './tools.js';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly nginx: string;
  readonly wrk: string;
  readonly redis: string;
}

export function describeMachine(tools: Tools): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpus: list.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
    nginx: toolVersion(tools.nginx, ['-v']).replace(/^nginx version:\s*/, ''),
    wrk: toolVersion(tools.wrk, ['-v']).replace(/\s*Copyright.*$/, ''),
    redis: toolVersion(tools['redis-server'], ['--version']),
  };
}

export function machineLine(m: MachineInfo): string {
  return `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB RAM, ${m.os}; Node ${m.node}, ${m.nginx}, ${m.wrk}, ${m.redis}`;
}
