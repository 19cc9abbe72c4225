import * as fs from 'node:fs';
import * as path from 'node:path';

/** The Vulkan loader Dawn's Vulkan backend opens on Linux. */
const VULKAN_LOADER = 'libvulkan.so.1';

/**
 * Whether Linux has a Vulkan loader (libvulkan.so.1) for Dawn's Vulkan
 * backend: listed in the dynamic linker's cache, or present in a folder of
 * LD_LIBRARY_PATH. Without one no Vulkan adapter can exist, and asking Dawn
 * anyway prints "Couldn't load Vulkan" on stderr from native code in every
 * process that selects a backend. Always true off Linux (Metal, D3D12).
 */
export function hasVulkanLoader(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== 'linux') return true;
  const folders = (env['LD_LIBRARY_PATH'] ?? '').split(':').filter((folder) => folder !== '');
  if (folders.some((folder) => fs.existsSync(path.join(folder, VULKAN_LOADER)))) return true;
  try {
    return fs.readFileSync('/etc/ld.so.cache').includes(VULKAN_LOADER);
  } catch {
    return true; // no cache to read: let Dawn look
  }
}
