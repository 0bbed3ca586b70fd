// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - file system for memory shared by several hosts
 *
 * Removal (FAMFSIOC_REMOVE) and the removed files that are still alive
 * (FAMFSIOC_GET_ORPHANS).
 *
 * The namespace of a mount is what famfsd publishes from the log, so
 * unlink(2), rmdir(2) and rename(2) are refused to everyone (famfs_super.c
 * has no ->unlink, ->rmdir or ->rename). famfsd removes a name when it
 * applies a DELETE entry: FAMFSIOC_REMOVE on the parent directory, with the
 * DELETE's log index as the cookie. The module does what vfs_unlink() and
 * vfs_rmdir() would do around simple_unlink()/simple_rmdir(), with the
 * parent's inode lock held.
 *
 * A removed file's memory is still the file's while its inode lives (an
 * open descriptor, a mapping): the map keeps its ranges in mapped_ranges
 * until evict_inode. Such a file is on the superblock's orphan list from
 * its removal to its eviction, and GET_ORPHANS reports the cookies: famfsd
 * releases a DELETE to the other hosts only once its cookie is gone.
 */

#include <linux/build_bug.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "famfs.h"

void famfs_orphans_init(struct famfs_fs_info *fsi)
{
	/* the uapi sizes are part of the ioctl numbers */
	BUILD_BUG_ON(sizeof(struct famfs_ioc_remove) != 272);
	BUILD_BUG_ON(sizeof(struct famfs_ioc_orphan) != 16);
	BUILD_BUG_ON(sizeof(struct famfs_ioc_orphans) != 24);
	BUILD_BUG_ON(sizeof(struct famfs_ioc_state) != 32);

	spin_lock_init(&fsi->orphan_lock);
	INIT_LIST_HEAD(&fsi->orphans);
	fsi->nr_orphans = 0;
}

/* evict_inode (famfs_map_release): the file's memory is free now */
void famfs_orphan_forget(struct famfs_fs_info *fsi, struct famfs_file_map *map)
{
	spin_lock(&fsi->orphan_lock);
	if (map->orphaned) {
		list_del(&map->orphan);
		map->orphaned = false;
		fsi->nr_orphans--;
	}
	spin_unlock(&fsi->orphan_lock);
}

static void famfs_orphan_add(struct famfs_fs_info *fsi, struct inode *inode,
			     struct famfs_file_map *map, u64 cookie)
{
	spin_lock(&fsi->orphan_lock);
	map->cookie = cookie;
	map->ino = inode->i_ino;
	if (!map->orphaned) {
		list_add_tail(&map->orphan, &fsi->orphans);
		map->orphaned = true;
		fsi->nr_orphans++;
	}
	spin_unlock(&fsi->orphan_lock);
}

/* One component: 1..NAME_MAX bytes, NUL inside the array, no '/', . or .. */
static int famfs_check_name(const char *name, size_t room)
{
	size_t len = strnlen(name, room);

	if (len == 0 || len == room || len > NAME_MAX)
		return -EINVAL;
	if (memchr(name, '/', len))
		return -EINVAL;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	return 0;
}

/* as vfs_unlink(): target locked, mount check, unlink, notify */
static int famfs_remove_file(struct famfs_fs_info *fsi, struct inode *dir,
			     struct dentry *victim, u64 cookie)
{
	struct inode *inode = d_inode(victim);
	struct famfs_file_map *map;
	int rc;

	if (S_ISDIR(inode->i_mode))
		return -EISDIR;
	inode_lock(inode);
	if (d_mountpoint(victim)) {
		rc = -EBUSY;
	} else {
		rc = simple_unlink(dir, victim);
		if (!rc) {
			dont_mount(victim);
			/* a map published before this is seen (inode lock) */
			map = famfs_inode_map(inode);
			if (map)
				famfs_orphan_add(fsi, inode, map, cookie);
		}
	}
	inode_unlock(inode);
	if (rc)
		return rc;
	fsnotify_link_count(inode);
	d_delete_notify(dir, victim);
	return 0;
}

/* as vfs_rmdir(): target locked, mount check, rmdir, dead, notify */
static int famfs_remove_dir(struct inode *dir, struct dentry *victim)
{
	struct inode *inode = d_inode(victim);
	int rc;

	if (!S_ISDIR(inode->i_mode))
		return -ENOTDIR;
	inode_lock(inode);
	if (d_mountpoint(victim)) {
		rc = -EBUSY;
	} else {
		/* ENOTEMPTY when it has an entry */
		rc = simple_rmdir(dir, victim);
		if (!rc) {
			shrink_dcache_parent(victim);
			inode->i_flags |= S_DEAD;
			dont_mount(victim);
		}
	}
	inode_unlock(inode);
	if (rc)
		return rc;
	d_delete_notify(dir, victim);
	return 0;
}

long famfs_ioc_remove(struct file *file, void __user *arg)
{
	struct dentry *parent = file->f_path.dentry;
	struct inode *dir = file_inode(file);
	struct famfs_fs_info *fsi = FAMFS_SB(dir->i_sb);
	struct famfs_ioc_remove req;
	struct dentry *victim;
	int rc;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.fr_flags || req.fr_kind > FAMFS_REMOVE_DIR)
		return -EINVAL;
	rc = famfs_check_name(req.fr_name, sizeof(req.fr_name));
	if (rc)
		return rc;
	if (famfs_is_shutdown(fsi))
		return -EIO;
	rc = mnt_want_write_file(file);
	if (rc)
		return rc;

	inode_lock_nested(dir, I_MUTEX_PARENT);
	if (IS_DEADDIR(dir)) {
		rc = -ENOENT;
		goto out;
	}
	victim = lookup_one_len(req.fr_name, parent, strlen(req.fr_name));
	if (IS_ERR(victim)) {
		rc = PTR_ERR(victim);
		goto out;
	}
	if (d_is_negative(victim))
		rc = -ENOENT;
	else if (req.fr_kind == FAMFS_REMOVE_FILE)
		rc = famfs_remove_file(fsi, dir, victim, req.fr_cookie);
	else
		rc = famfs_remove_dir(dir, victim);
	dput(victim);
out:
	inode_unlock(dir);
	mnt_drop_write_file(file);
	return rc;
}

long famfs_ioc_get_orphans(struct famfs_fs_info *fsi, void __user *arg)
{
	struct famfs_ioc_orphan *buf = NULL;
	struct famfs_ioc_orphans req;
	struct famfs_file_map *map;
	u32 room, n = 0;
	long rc = 0;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.fo_reserved || req.fo_capacity > FAMFS_ORPHANS_MAX)
		return -EINVAL;

	/* sized from a first look; fo_total says when more came meanwhile */
	spin_lock(&fsi->orphan_lock);
	room = min(req.fo_capacity, fsi->nr_orphans);
	spin_unlock(&fsi->orphan_lock);
	if (room) {
		buf = kvmalloc_array(room, sizeof(*buf), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}

	spin_lock(&fsi->orphan_lock);
	list_for_each_entry(map, &fsi->orphans, orphan) {
		if (n == room)
			break;
		buf[n].fo_cookie = map->cookie;
		buf[n].fo_ino = map->ino;
		n++;
	}
	req.fo_total = fsi->nr_orphans;
	spin_unlock(&fsi->orphan_lock);
	req.fo_count = n;

	if (n && copy_to_user(u64_to_user_ptr(req.fo_buf), buf,
			      (size_t)n * sizeof(*buf)))
		rc = -EFAULT;
	else if (copy_to_user(arg, &req, sizeof(req)))
		rc = -EFAULT;
	kvfree(buf);
	return rc;
}
