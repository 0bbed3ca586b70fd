/* SPDX-License-Identifier: GPL-2.0 */
/*
 * famfs - differences between the kernel versions famfs.ko builds against
 * (Debian 12: 6.1 and 6.12).
 */
#ifndef _FAMFS_COMPAT_H
#define _FAMFS_COMPAT_H

#include <linux/version.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/blkdev.h>

/*
 * Kernel major.minor as one number; only those two matter for the API
 * differences below.
 */
#define FAMFS_KVER_OF(major, minor)	((major) * 1000 + (minor))
#define FAMFS_KVER	FAMFS_KVER_OF(LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL)

#if FAMFS_KVER_OF(6, 3) <= FAMFS_KVER
#define FAMFS_IDMAP		struct mnt_idmap
#define famfs_nop_idmap		(&nop_mnt_idmap)
static inline void famfs_vma_set_flags(struct vm_area_struct *vma,
				       vm_flags_t flags)
{
	vm_flags_set(vma, flags);
}

static inline void famfs_vma_clear_flags(struct vm_area_struct *vma,
					 vm_flags_t flags)
{
	vm_flags_clear(vma, flags);
}
#else
#define FAMFS_IDMAP		struct user_namespace
#define famfs_nop_idmap		(&init_user_ns)
static inline void famfs_vma_set_flags(struct vm_area_struct *vma,
				       vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void famfs_vma_clear_flags(struct vm_area_struct *vma,
					 vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

#if FAMFS_KVER_OF(6, 5) <= FAMFS_KVER
#define famfs_splice_read	copy_splice_read
#else
#define famfs_splice_read	generic_file_splice_read
#endif

/* Size argument of ->huge_fault() and dax_iomap_fault() */
#if FAMFS_KVER_OF(6, 6) <= FAMFS_KVER
#define famfs_fault_size_t	unsigned int
#define FAMFS_FAULT_PTE		0
#define FAMFS_FAULT_PMD		PMD_ORDER
#else
#define famfs_fault_size_t	enum page_entry_size
#define FAMFS_FAULT_PTE		PE_SIZE_PTE
#define FAMFS_FAULT_PMD		PE_SIZE_PMD
#endif

static inline void famfs_inode_init_ts(struct inode *inode)
{
#if FAMFS_KVER_OF(6, 7) <= FAMFS_KVER
	simple_inode_init_ts(inode);
#else
	struct timespec64 now = current_time(inode);

	inode->i_atime = now;
	inode->i_mtime = now;
	inode->i_ctime = now;
#endif
}

static inline void famfs_inode_touch(struct inode *inode)
{
#if FAMFS_KVER_OF(6, 7) <= FAMFS_KVER
	inode_set_mtime_to_ts(inode, inode_set_ctime_current(inode));
#else
	struct timespec64 now = current_time(inode);

	inode->i_mtime = now;
	inode->i_ctime = now;
#endif
}

static inline void famfs_inode_touch_ctime(struct inode *inode)
{
#if FAMFS_KVER_OF(6, 7) <= FAMFS_KVER
	inode_set_ctime_current(inode);
#else
	inode->i_ctime = current_time(inode);
#endif
}

/*
 * Exclusive open of a block device. 6.9+ hands out a struct file,
 * 6.1 the block_device itself.
 */
#if FAMFS_KVER_OF(6, 9) <= FAMFS_KVER
struct famfs_bdev_handle {
	struct file *file;
};

static inline struct block_device *
famfs_bdev_open(struct famfs_bdev_handle *h, const char *path, bool rdonly,
		void *holder)
{
	blk_mode_t mode = BLK_OPEN_READ | (rdonly ? 0 : BLK_OPEN_WRITE);
	struct file *f = bdev_file_open_by_path(path, mode, holder, NULL);

	if (IS_ERR(f))
		return ERR_CAST(f);
	h->file = f;
	return file_bdev(f);
}

static inline void famfs_bdev_close(struct famfs_bdev_handle *h)
{
	if (h->file)
		bdev_fput(h->file);
	h->file = NULL;
}
#elif FAMFS_KVER_OF(6, 5) > FAMFS_KVER
struct famfs_bdev_handle {
	struct block_device *bdev;
	fmode_t mode;
};

static inline struct block_device *
famfs_bdev_open(struct famfs_bdev_handle *h, const char *path, bool rdonly,
		void *holder)
{
	fmode_t mode = FMODE_READ | FMODE_EXCL | (rdonly ? 0 : FMODE_WRITE);
	struct block_device *bdev = blkdev_get_by_path(path, mode, holder);

	if (IS_ERR(bdev))
		return bdev;
	h->bdev = bdev;
	h->mode = mode;
	return bdev;
}

static inline void famfs_bdev_close(struct famfs_bdev_handle *h)
{
	if (h->bdev)
		blkdev_put(h->bdev, h->mode);
	h->bdev = NULL;
}
#else
#error "famfs: block device open API of kernels 6.5..6.8 is not supported"
#endif

#endif /* _FAMFS_COMPAT_H */
