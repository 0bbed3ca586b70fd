// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - file system for memory shared by several hosts
 *
 * Shutdown: the end of data access on a mount, for three causes (the
 * administrator's FAMFSIOC_SHUTDOWN, a memory failure the kernel reports on
 * pmem, the device going away) and one procedure:
 *
 *   1. the shutdown flag is set: every data path checks it inside an SRCU
 *      read section (famfs_io_begin/famfs_io_end) and fails (EIO, SIGBUS);
 *   2. synchronize_srcu(): no read, write, fault or fsync that saw the flag
 *      clear is still running;
 *   3. every mapping of every file is zapped and the DAX entries of the
 *      page cache are deleted (nothing refers to a device page any more);
 *   4. the device references are dropped: pmem the dax holder and the block
 *      device, device-dax the dev_pagemap, the device and the open file.
 *
 * After that the device can go: nvdimm's and device-dax's removal wait in
 * memunmap_pages() for the pagemap's references, and famfs holds none.
 * Steps 2 to 4 run in the mount's watch work (process context, no lock of
 * the caller held); FAMFSIOC_SHUTDOWN waits for them.
 *
 * The same work polls the device every FAMFS_WATCH_MS while the mount
 * serves: a stock kernel tells a file system nothing before it removes a
 * device-dax device, nor a pmem device before 6.6 (MF_MEM_PRE_REMOVE). Both
 * drivers mark the device dying before they wait for its pages: pmem's
 * release calls kill_dax() (dax_alive() turns false) before the devres of
 * memremap_pages runs, device-dax's kill_dev_dax() calls kill_dax() and
 * memunmap_pages() kills the pagemap's percpu_ref before it waits.
 */

#include <linux/dax.h>
#include <linux/fs.h>
#include <linux/memremap.h>
#include <linux/pagemap.h>
#include <linux/percpu-refcount.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "famfs.h"

#define FAMFS_WATCH_MS	100

static struct srcu_struct famfs_io_srcu;

int famfs_io_begin(void)
{
	return srcu_read_lock(&famfs_io_srcu);
}

void famfs_io_end(int idx)
{
	srcu_read_unlock(&famfs_io_srcu, idx);
}

const char *famfs_reason_name(u32 reason)
{
	switch (reason) {
	case FAMFS_REASON_ADMIN:
		return "admin";
	case FAMFS_REASON_MEMORY_FAILURE:
		return "memory_failure";
	case FAMFS_REASON_DEVICE_GONE:
		return "device_gone";
	default:
		return "none";
	}
}

static const char *famfs_reason_text(u32 reason)
{
	switch (reason) {
	case FAMFS_REASON_ADMIN:
		return "shut down by FAMFSIOC_SHUTDOWN";
	case FAMFS_REASON_MEMORY_FAILURE:
		return "memory failure";
	case FAMFS_REASON_DEVICE_GONE:
		return "device is going away";
	default:
		return "shut down";
	}
}

/*
 * Step 1, from any context that may sleep briefly (a data path inside its
 * SRCU section, notify_failure, the ioctl): the first cause wins.
 */
void famfs_shutdown(struct famfs_fs_info *fsi, u32 reason, u64 off, u64 len)
{
	spin_lock(&fsi->state_lock);
	if (fsi->shutdown) {
		spin_unlock(&fsi->state_lock);
		return;
	}
	fsi->reason = reason;
	fsi->fail_offset = off;
	fsi->fail_len = len;
	WRITE_ONCE(fsi->shutdown, true);
	spin_unlock(&fsi->state_lock);

	pr_err("famfs: %s: %s; file system shut down\n", fsi->dev_name,
	       famfs_reason_text(reason));
	if (READ_ONCE(fsi->watching))
		mod_delayed_work(system_wq, &fsi->watch, 0);
}

/* Step 3: zap every user mapping and drop the DAX entries of every file. */
static void famfs_zap_all(struct super_block *sb)
{
	struct inode *inode, *prev = NULL;

	spin_lock(&sb->s_inode_list_lock);
	list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		struct address_space *mapping = inode->i_mapping;

		spin_lock(&inode->i_lock);
		if ((inode->i_state & (I_FREEING | I_WILL_FREE | I_NEW)) ||
		    !S_ISREG(inode->i_mode)) {
			spin_unlock(&inode->i_lock);
			continue;
		}
		/*
		 * What __iget() does; Debian 6.1 kernels before 6.1.0-5x do
		 * not export __iget (modpost: undefined).
		 */
		atomic_inc(&inode->i_count);
		spin_unlock(&inode->i_lock);
		spin_unlock(&sb->s_inode_list_lock);

		inode_lock(inode);
		filemap_invalidate_lock(mapping);
		unmap_mapping_range(mapping, 0, 0, 1);
		/* fs-dax: the entries still name device pages */
		truncate_inode_pages(mapping, 0);
		filemap_invalidate_unlock(mapping);
		inode_unlock(inode);

		iput(prev);
		prev = inode;
		cond_resched();
		spin_lock(&sb->s_inode_list_lock);
	}
	spin_unlock(&sb->s_inode_list_lock);
	iput(prev);
}

/* Steps 2 to 4; in the watch work only. */
static void famfs_shutdown_finish(struct famfs_fs_info *fsi)
{
	if (fsi->released)
		return;
	synchronize_srcu(&famfs_io_srcu);
	famfs_zap_all(fsi->sb);
	if (fsi->kind == FAMFS_DEV_PMEM)
		famfs_pmem_release(fsi);
	else
		famfs_devdax_release(fsi);
	spin_lock(&fsi->state_lock);
	fsi->released = true;
	spin_unlock(&fsi->state_lock);
	pr_info("famfs: %s: mappings zapped, device released\n", fsi->dev_name);
}

static bool famfs_device_gone(struct famfs_fs_info *fsi)
{
	bool alive;
	int id;

	if (fsi->kind != FAMFS_DEV_PMEM)
		return famfs_devdax_dying(fsi);
	if (!fsi->dax_dev)
		return true;
	id = dax_read_lock();
	alive = dax_alive(fsi->dax_dev);
	dax_read_unlock(id);
	return !alive;
}

static void famfs_watch_fn(struct work_struct *work)
{
	struct famfs_fs_info *fsi =
		container_of(to_delayed_work(work), struct famfs_fs_info, watch);

	if (!famfs_is_shutdown(fsi) && famfs_device_gone(fsi))
		famfs_shutdown(fsi, FAMFS_REASON_DEVICE_GONE, 0, 0);
	if (famfs_is_shutdown(fsi)) {
		famfs_shutdown_finish(fsi);
		return;
	}
	queue_delayed_work(system_wq, &fsi->watch,
			   msecs_to_jiffies(FAMFS_WATCH_MS));
}

void famfs_watch_init(struct famfs_fs_info *fsi)
{
	spin_lock_init(&fsi->state_lock);
	INIT_DELAYED_WORK(&fsi->watch, famfs_watch_fn);
}

/* After a successful fill_super. */
void famfs_watch_start(struct famfs_fs_info *fsi)
{
	WRITE_ONCE(fsi->watching, true);
	queue_delayed_work(system_wq, &fsi->watch,
			   msecs_to_jiffies(FAMFS_WATCH_MS));
}

/* At unmount, before the inodes go: the work never runs again. */
void famfs_watch_stop(struct famfs_fs_info *fsi)
{
	WRITE_ONCE(fsi->watching, false);
	cancel_delayed_work_sync(&fsi->watch);
}

static long famfs_ioc_shutdown(struct famfs_fs_info *fsi)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	famfs_shutdown(fsi, FAMFS_REASON_ADMIN, 0, 0);
	/* the work runs (or ran) the rest: wait until the device is free */
	flush_delayed_work(&fsi->watch);
	if (!READ_ONCE(fsi->released)) {
		/* a poll that raced with us had re-queued itself */
		mod_delayed_work(system_wq, &fsi->watch, 0);
		flush_delayed_work(&fsi->watch);
	}
	return 0;
}

void famfs_get_state(struct famfs_fs_info *fsi, struct famfs_ioc_state *st)
{
	memset(st, 0, sizeof(*st));
	spin_lock(&fsi->state_lock);
	if (fsi->shutdown)
		st->fs_state |= FAMFS_STATE_SHUTDOWN;
	if (fsi->released)
		st->fs_state |= FAMFS_STATE_RELEASED;
	st->fs_reason = fsi->reason;
	st->fs_fail_offset = fsi->fail_offset;
	st->fs_fail_len = fsi->fail_len;
	spin_unlock(&fsi->state_lock);
}

/*
 * The ioctls of the whole mount, on any file or the root directory. They
 * answer after a shutdown too. -ENOIOCTLCMD: not one of them.
 */
long famfs_sb_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct famfs_fs_info *fsi = FAMFS_SB(file_inode(file)->i_sb);
	struct famfs_ioc_state st;

	switch (cmd) {
	case FAMFSIOC_SHUTDOWN:
		return famfs_ioc_shutdown(fsi);
	case FAMFSIOC_GET_STATE:
		famfs_get_state(fsi, &st);
		if (copy_to_user((void __user *)arg, &st, sizeof(st)))
			return -EFAULT;
		return 0;
	case FAMFSIOC_GET_ORPHANS:
		return famfs_ioc_get_orphans(fsi, (void __user *)arg);
	default:
		return -ENOIOCTLCMD;
	}
}

static long famfs_dir_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	long rc;

	if (cmd == FAMFSIOC_REMOVE)
		return famfs_ioc_remove(file, (void __user *)arg);
	rc = famfs_sb_ioctl(file, cmd, arg);
	return rc == -ENOIOCTLCMD ? -ENOTTY : rc;
}

/* simple_dir_operations plus the mount's ioctls */
const struct file_operations famfs_dir_operations = {
	.open		= dcache_dir_open,
	.release	= dcache_dir_close,
	.llseek		= dcache_dir_lseek,
	.read		= generic_read_dir,
	.iterate_shared	= dcache_readdir,
	.fsync		= noop_fsync,
	.unlocked_ioctl	= famfs_dir_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

int famfs_shutdown_init(void)
{
	return init_srcu_struct(&famfs_io_srcu);
}

void famfs_shutdown_exit(void)
{
	cleanup_srcu_struct(&famfs_io_srcu);
}
