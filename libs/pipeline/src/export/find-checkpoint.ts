import * as fs from 'node:fs';
import * as path from 'node:path';
import { NoCheckpointError } from '../checkpoints/checkpoint-errors';
import { CHECKPOINT_MANIFEST, stepOfCheckpointFolder } from '../checkpoints/checkpoint-manifest';
import { verifyCheckpoint, type VerifiedCheckpoint } from '../checkpoints/checkpoint-reader';
import { checkpointFolders, latestValidCheckpoint } from '../checkpoints/checkpoint-store';
import type { Logger } from '../logger';

/**
 * The checkpoint a command such as `ganglion sample <target>` means:
 * - a checkpoint folder (holds manifest.json, or is named step-*): that checkpoint, verified;
 * - a run folder (holds checkpoints/): its newest checkpoint that verifies;
 * - a checkpoints folder (holds step-* folders): its newest checkpoint that verifies.
 * As with `--resume`, a corrupt newest checkpoint is skipped with a warning
 * when an older one verifies. Throws NoCheckpointError or
 * CorruptCheckpointError saying what was found and what to pass instead.
 */
export function findCheckpoint(target: string, logger: Logger): VerifiedCheckpoint {
  const folder = path.resolve(target);
  if (!fs.existsSync(folder)) {
    throw new NoCheckpointError(`${target} does not exist. Pass a checkpoint folder (runs/<name>/<timestamp>/checkpoints/step-*), a run folder or its checkpoints folder.`);
  }
  if (!fs.statSync(folder).isDirectory()) {
    throw new NoCheckpointError(`${target} is a file, not a checkpoint folder. Pass a checkpoint folder (runs/<name>/<timestamp>/checkpoints/step-*), a run folder or its checkpoints folder.`);
  }
  if (fs.existsSync(path.join(folder, CHECKPOINT_MANIFEST)) || stepOfCheckpointFolder(path.basename(folder)) !== undefined) {
    return verifyCheckpoint(folder);
  }
  const checkpoints = fs.existsSync(path.join(folder, 'checkpoints')) ? path.join(folder, 'checkpoints') : folder;
  if (checkpointFolders(checkpoints).length === 0) {
    throw new NoCheckpointError(
      `${target} is not a checkpoint: it holds no ${CHECKPOINT_MANIFEST} and no checkpoints/step-* folders. ` +
        'Train with `ganglion train` (it writes one at the end, or every --checkpoint-every steps) and pass its run folder.',
    );
  }
  const checkpoint = latestValidCheckpoint(checkpoints, logger);
  if (checkpoint === undefined) {
    throw new NoCheckpointError(`${target}: none of the checkpoints under ${checkpoints} verifies (see the warnings above). Pass another run folder.`);
  }
  return checkpoint;
}
