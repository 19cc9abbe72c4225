import type { MessageInit } from '../../protocol/messages';

/** A HELLO from a test worker on this host (cpu backend, no ring unless `fields` gives one). */
export function testHello(
  workerId: string,
  fields: Partial<Extract<MessageInit, { type: 'HELLO' }>> = {},
): Extract<MessageInit, { type: 'HELLO' }> {
  return {
    type: 'HELLO',
    generation: 0,
    step: 0,
    workerId,
    host: 'localhost',
    pid: process.pid,
    backend: 'cpu',
    devices: [],
    ringEndpoint: null,
    pipelineHash: 'h',
    ...fields,
  };
}
