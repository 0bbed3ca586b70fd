/* SPDX-License-Identifier: GPL-2.0 */
/*
 * famfs - file system for memory shared by several hosts
 *
 * Internal declarations shared by the famfs.ko source files.
 */
#ifndef _FAMFS_H
#define _FAMFS_H

#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/iomap.h>
#include <linux/famfs_ioctl.h>

#include "famfs_compat.h"

#define FAMFS_NAME "famfs"

/*
 * One contiguous device range (devindex is always 0). While its map is
 * published the range sits in famfs_fs_info.mapped_ranges.
 */
struct famfs_range {
	u64 offset;
	u64 len;
	struct rb_node node;
};

/*
 * The map of one file, immutable once published in inode->i_private.
 * For simple maps ext[0..nr_ext) are the extents in file order; for
 * interleaved maps ext[0..nr_ext) are the strips.
 */
struct famfs_file_map {
	u32 file_type;		/* enum famfs_file_type */
	u32 ext_type;		/* enum famfs_ioc_ext_type */
	u64 file_size;
	u32 nr_ext;
	u64 chunk_size;		/* interleaved only */
	u32 chunk_shift;	/* log2(chunk_size) */
	u64 nbytes;		/* interleaved: file bytes held */
	u64 mapped_bytes;	/* device bytes covered by the map */
	struct famfs_range ext[FAMFS_MAX_SIMPLE_EXTENTS];
	/*
	 * Removed by FAMFSIOC_REMOVE while the inode lives (famfs_remove.c):
	 * on famfs_fs_info.orphans. These fields change under orphan_lock.
	 */
	struct list_head orphan;
	bool orphaned;
	u64 cookie;
	u64 ino;
};

enum famfs_dev_kind {
	FAMFS_DEV_PMEM,		/* fs-dax on a pmem block device */
	FAMFS_DEV_DEVDAX,	/* device-dax memory mapped by famfs itself */
};

struct famfs_devdax;

/* Mount options: the root directory's owner and mode */
#define FAMFS_ROOT_MODE_DEFAULT	0755

struct famfs_mount_opts {
	umode_t root_mode;
	kuid_t root_uid;
	kgid_t root_gid;
	bool set_mode, set_uid, set_gid;	/* given on this mount(2) */
};

struct famfs_fs_info {
	struct super_block *sb;
	enum famfs_dev_kind kind;
	char *dev_name;
	u64 dev_size;

	/* pmem */
	struct famfs_bdev_handle bdev_handle;
	struct block_device *bdev;
	struct dax_device *dax_dev;
	u64 dax_part_off;

	/* device-dax */
	struct famfs_devdax *devdax;

	struct famfs_mount_opts opts;

	/* serializes map creation and the fields below */
	struct mutex map_lock;
	u64 log_len;		/* 0 until a log file is mapped */
	bool have_sb_file;
	bool have_log_file;
	u64 mapped_bytes;
	/*
	 * Every range of every published map, by offset. They never overlap:
	 * fs-dax gives a device page to one file mapping only (a second one
	 * trips a WARNING in dax_associate_entry), so a map over bytes that
	 * another file maps is refused, on device-dax too (one rule).
	 */
	struct rb_root mapped_ranges;

	/*
	 * Shutdown (famfs_shutdown.c). shutdown is set once, never cleared;
	 * it and the fields after it change under state_lock.
	 */
	bool shutdown;
	spinlock_t state_lock;
	bool released;		/* mappings zapped, device references dropped */
	u32 reason;		/* enum famfs_shutdown_reason */
	u64 fail_offset;	/* memory failure: what the kernel reported */
	u64 fail_len;
	bool watching;		/* watch queued until unmount */
	struct delayed_work watch;	/* device poll and shutdown steps 2-4 */

	/* removed files whose inodes live (famfs_file_map.orphan) */
	spinlock_t orphan_lock;
	struct list_head orphans;
	u32 nr_orphans;
};

static inline struct famfs_fs_info *FAMFS_SB(struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline bool famfs_is_shutdown(struct famfs_fs_info *fsi)
{
	return READ_ONCE(fsi->shutdown);
}

static inline struct famfs_file_map *famfs_inode_map(struct inode *inode)
{
	/* pairs with smp_store_release() in famfs_map_publish() */
	return smp_load_acquire((struct famfs_file_map **)&inode->i_private);
}

/* famfs_shutdown.c */
void famfs_shutdown(struct famfs_fs_info *fsi, u32 reason, u64 off, u64 len);
int famfs_io_begin(void);
void famfs_io_end(int idx);
const char *famfs_reason_name(u32 reason);
void famfs_get_state(struct famfs_fs_info *fsi, struct famfs_ioc_state *st);
long famfs_sb_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
void famfs_watch_init(struct famfs_fs_info *fsi);
void famfs_watch_start(struct famfs_fs_info *fsi);
void famfs_watch_stop(struct famfs_fs_info *fsi);
int famfs_shutdown_init(void);
void famfs_shutdown_exit(void);
extern const struct file_operations famfs_dir_operations;

/* famfs_map.c */
long famfs_file_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int famfs_map_resolve(const struct famfs_file_map *map, u64 pos,
		      u64 *dev_off, u64 *len);
void famfs_map_release(struct inode *inode);

/* famfs_remove.c */
long famfs_ioc_remove(struct file *file, void __user *arg);
long famfs_ioc_get_orphans(struct famfs_fs_info *fsi, void __user *arg);
void famfs_orphan_forget(struct famfs_fs_info *fsi, struct famfs_file_map *map);
void famfs_orphans_init(struct famfs_fs_info *fsi);

/* famfs_file.c */
extern const struct file_operations famfs_file_operations;
extern const struct address_space_operations famfs_dax_aops;

/* famfs_pmem.c */
int famfs_pmem_open(struct famfs_fs_info *fsi, const char *path, bool rdonly);
void famfs_pmem_close(struct famfs_fs_info *fsi);
void famfs_pmem_release(struct famfs_fs_info *fsi);

/* famfs_devdax.c */
int famfs_devdax_open(struct famfs_fs_info *fsi, const char *path,
		      bool rdonly);
void famfs_devdax_close(struct famfs_fs_info *fsi);
bool famfs_devdax_alive(struct famfs_fs_info *fsi);
bool famfs_devdax_dying(struct famfs_fs_info *fsi);
void famfs_devdax_release(struct famfs_fs_info *fsi);
phys_addr_t famfs_devdax_phys(struct famfs_fs_info *fsi, u64 dev_off);
void *famfs_devdax_kaddr(struct famfs_fs_info *fsi, u64 dev_off);
bool famfs_devdax_synchronous(struct famfs_fs_info *fsi);

#endif /* _FAMFS_H */
