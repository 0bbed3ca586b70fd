// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - file system for memory shared by several hosts
 *
 * pmem backend: fs-dax on a pmem block device, claimed exclusively with
 * famfs as the dax holder so memory failures are reported to us.
 */

#include <linux/blkdev.h>
#include <linux/dax.h>
#include <linux/mm.h>
#include <linux/pfn_t.h>

#include "famfs.h"

/*
 * kill_dax() of a device being removed tells the holder first: on 6.6+ with
 * MF_MEM_PRE_REMOVE (an enum, not a macro), and on the Debian 6.1 kernels
 * (a stable backport) as a "failure" of the whole device, [0, U64_MAX).
 */
static bool famfs_pmem_pre_remove(u64 offset, u64 len, int mf_flags)
{
#if FAMFS_KVER_OF(6, 6) <= FAMFS_KVER
	if (mf_flags & MF_MEM_PRE_REMOVE)
		return true;
#endif
	return offset == 0 && len == U64_MAX;
}

static int famfs_pmem_notify_failure(struct dax_device *dax_dev, u64 offset,
				     u64 len, int mf_flags)
{
	struct famfs_fs_info *fsi = dax_holder(dax_dev);

	if (!fsi)
		return -EOPNOTSUPP;
	if (famfs_pmem_pre_remove(offset, len, mf_flags)) {
		famfs_shutdown(fsi, FAMFS_REASON_DEVICE_GONE, 0, 0);
		return 0;
	}
	pr_err("famfs: %s: memory failure at offset %#llx len %#llx\n",
	       fsi->dev_name, offset, len);
	famfs_shutdown(fsi, FAMFS_REASON_MEMORY_FAILURE, offset, len);
	return 0;
}

static const struct dax_holder_operations famfs_dax_holder_ops = {
	.notify_failure = famfs_pmem_notify_failure,
};

int famfs_pmem_open(struct famfs_fs_info *fsi, const char *path, bool rdonly)
{
	struct block_device *bdev;

	fsi->kind = FAMFS_DEV_PMEM;
	bdev = famfs_bdev_open(&fsi->bdev_handle, path, rdonly, fsi);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	fsi->bdev = bdev;

	fsi->dax_dev = fs_dax_get_by_bdev(bdev, &fsi->dax_part_off, fsi,
					  &famfs_dax_holder_ops);
	if (IS_ERR_OR_NULL(fsi->dax_dev)) {
		/* not dax capable, or another holder owns the dax device */
		fsi->dax_dev = NULL;
		return -ENODEV;
	}

	fsi->dev_size = bdev_nr_bytes(bdev);
	if (fsi->dev_size < FAMFS_LOG_OFFSET + FAMFS_MIN_LOG_LEN)
		return -EINVAL;
	return 0;
}

/*
 * Shutdown step 4: no dax holder, no block device. Every user of dax_dev
 * and bdev checks the shutdown flag inside an SRCU section first.
 */
void famfs_pmem_release(struct famfs_fs_info *fsi)
{
	famfs_pmem_close(fsi);
}

void famfs_pmem_close(struct famfs_fs_info *fsi)
{
	if (fsi->dax_dev)
		fs_put_dax(fsi->dax_dev, fsi);
	fsi->dax_dev = NULL;
	famfs_bdev_close(&fsi->bdev_handle);
	fsi->bdev = NULL;
}
