/**
 * The multi-line warning for a socket reachable beyond loopback with no
 * CURVE keys: the coordinator's ROUTER, or a worker's ring socket (which
 * takes gradients straight from whoever connects).
 */
export function unencryptedBindWarning(bind: string, socket: 'coordinator' | 'ring'): string {
  const rule = '!'.repeat(78);
  const what =
    socket === 'coordinator'
      ? ['!! WARNING: anyone who can reach this port can join the job, read the weights and', '!! gradients, or disturb the training. Use trusted networks only, or turn on CURVE:']
      : ['!! WARNING: anyone who can reach this ring port can read and inject gradients on', '!! their way between workers. Use trusted networks only, or turn on CURVE:'];
  return [
    `binding ${socket === 'ring' ? 'the ring socket at ' : ''}${bind} beyond loopback WITHOUT encryption or authentication`,
    rule,
    ...what,
    '!!   ganglion keygen --out keys --workers 2       (coordinator + keys/workers/worker-<i>)',
    '!!   ganglion coordinator ... --curve-secret keys/coordinator.key --allow keys/workers',
    '!!   ganglion worker ... --curve-secret keys/workers/worker-0.key --coordinator-key keys/coordinator.pub',
    '!!   (ganglion launch / run: --curve-keys keys)',
    rule,
  ].join('\n');
}
