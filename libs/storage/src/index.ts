export { AppendLog, type AppendLogOptions } from './append-log';
export { DurableFiles, type DurableFolderOptions, type DurableWriteOptions } from './durable-files';
export { type FileSystem, nodeFileSystem } from './file-system';
export { describeCode, StorageError, storageErrorFrom } from './storage-error';
export { temporaryPathFor } from './temporary-path';
export { writeFully } from './write-fully';
export { type FaultPlan, FaultyFileSystem } from './testing/faulty-file-system';
