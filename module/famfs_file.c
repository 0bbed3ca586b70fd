// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - file system for memory shared by several hosts
 *
 * Data path. pmem: fs-dax through iomap (dax_iomap_rw, dax_iomap_fault).
 * device-dax: famfs copies to and from the device memory itself
 * (machine-check safe reads) and inserts PFNs on fault.
 */

#include <linux/dax.h>
#include <linux/fs.h>
#include <linux/huge_mm.h>
#include <linux/iomap.h>
#include <linux/libnvdimm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/mm.h>
#include <linux/pfn_t.h>
#include <linux/uio.h>
#include <linux/writeback.h>

#include "famfs.h"

/*
 * Common checks before any data access: returns the map or an error.
 * Callers are inside famfs_io_begin()/famfs_io_end(): a shutdown waits for
 * them before it zaps mappings and drops the device (famfs_shutdown.c).
 */
static struct famfs_file_map *famfs_data_map(struct inode *inode)
{
	struct famfs_fs_info *fsi = FAMFS_SB(inode->i_sb);
	struct famfs_file_map *map;

	if (famfs_is_shutdown(fsi))
		return ERR_PTR(-EIO);
	if (fsi->kind == FAMFS_DEV_DEVDAX && !famfs_devdax_alive(fsi)) {
		famfs_shutdown(fsi, FAMFS_REASON_DEVICE_GONE, 0, 0);
		return ERR_PTR(-EIO);
	}
	map = famfs_inode_map(inode);
	if (!map)
		return ERR_PTR(-ENODATA);
	return map;
}

/* ---- pmem: iomap ---- */

static int famfs_iomap_begin(struct inode *inode, loff_t pos, loff_t length,
			     unsigned int flags, struct iomap *iomap,
			     struct iomap *srcmap)
{
	struct famfs_fs_info *fsi = FAMFS_SB(inode->i_sb);
	struct famfs_file_map *map = famfs_data_map(inode);
	u64 dev_off, len;
	int rc;

	if (IS_ERR(map))
		return PTR_ERR(map);
	rc = famfs_map_resolve(map, pos, &dev_off, &len);
	if (rc)
		return -EIO;

	iomap->type = IOMAP_MAPPED;
	iomap->flags = 0;
	iomap->offset = pos;
	iomap->length = len;
	iomap->addr = fsi->dax_part_off + dev_off;
	iomap->bdev = fsi->bdev;
	iomap->dax_dev = fsi->dax_dev;
	return 0;
}

static const struct iomap_ops famfs_iomap_ops = {
	.iomap_begin = famfs_iomap_begin,
};

/* ---- device-dax: copies ---- */

static ssize_t famfs_devdax_rw(struct kiocb *iocb, struct iov_iter *iter,
			       struct famfs_file_map *map)
{
	struct famfs_fs_info *fsi = FAMFS_SB(file_inode(iocb->ki_filp)->i_sb);
	bool write = iov_iter_rw(iter) == WRITE;
	loff_t pos = iocb->ki_pos;
	ssize_t done = 0;

	while (iov_iter_count(iter)) {
		size_t want, got;
		u64 dev_off, len;
		void *kaddr;

		if (famfs_is_shutdown(fsi)) {
			done = done ? done : -EIO;
			break;
		}
		if (famfs_map_resolve(map, pos, &dev_off, &len)) {
			done = done ? done : -EIO;
			break;
		}
		want = min_t(u64, len, iov_iter_count(iter));
		kaddr = famfs_devdax_kaddr(fsi, dev_off);
		if (write)
			got = _copy_from_iter_flushcache(kaddr, want, iter);
		else
			got = _copy_mc_to_iter(kaddr, want, iter);
		pos += got;
		done += got;
		if (got != want) {
			/*
			 * A short copy: a bad user buffer (EFAULT) or, on a
			 * read, poisoned device memory (EIO). The iterator
			 * stopped at the first byte not copied: if that user
			 * byte cannot be faulted in, the buffer is to blame.
			 */
			if (!done)
				done = (write ||
					fault_in_iov_iter_writeable(iter, 1)) ?
					-EFAULT : -EIO;
			break;
		}
		cond_resched();
	}
	if (done > 0)
		iocb->ki_pos = pos;
	return done;
}

/* ---- read/write ---- */

static ssize_t famfs_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct famfs_fs_info *fsi = FAMFS_SB(inode->i_sb);
	struct famfs_file_map *map;
	loff_t size;
	ssize_t rc;

	int idx;

	if (!iov_iter_count(to))
		return 0;

	inode_lock_shared(inode);
	idx = famfs_io_begin();
	map = famfs_data_map(inode);
	if (IS_ERR(map)) {
		rc = PTR_ERR(map);
		goto out;
	}
	size = i_size_read(inode);
	if (iocb->ki_pos >= size) {
		rc = 0;
		goto out;
	}
	iov_iter_truncate(to, size - iocb->ki_pos);

	if (fsi->kind == FAMFS_DEV_PMEM)
		rc = dax_iomap_rw(iocb, to, &famfs_iomap_ops);
	else
		rc = famfs_devdax_rw(iocb, to, map);
out:
	famfs_io_end(idx);
	inode_unlock_shared(inode);
	if (rc > 0)
		file_accessed(iocb->ki_filp);
	return rc;
}

static ssize_t famfs_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct famfs_fs_info *fsi = FAMFS_SB(inode->i_sb);
	struct famfs_file_map *map;
	loff_t size;
	ssize_t rc;
	int idx;

	inode_lock(inode);
	idx = famfs_io_begin();
	map = famfs_data_map(inode);
	if (IS_ERR(map)) {
		rc = PTR_ERR(map);
		goto out;
	}
	/* O_APPEND moves ki_pos to i_size here */
	rc = generic_write_checks(iocb, from);
	if (rc <= 0)
		goto out;

	/* files never grow: cut the write at i_size */
	size = i_size_read(inode);
	if (iocb->ki_pos >= size) {
		rc = -ENOSPC;
		goto out;
	}
	iov_iter_truncate(from, size - iocb->ki_pos);

	/* drop set-user-ID/set-group-ID, update mtime/ctime, as any write */
	rc = file_modified(iocb->ki_filp);
	if (rc)
		goto out;

	if (fsi->kind == FAMFS_DEV_PMEM)
		rc = dax_iomap_rw(iocb, from, &famfs_iomap_ops);
	else
		rc = famfs_devdax_rw(iocb, from, map);
out:
	famfs_io_end(idx);
	inode_unlock(inode);
	return rc;
}

/* ---- pmem faults ---- */

static vm_fault_t famfs_pmem_huge_fault(struct vm_fault *vmf,
					famfs_fault_size_t size)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	bool write = (vmf->flags & FAULT_FLAG_WRITE) &&
		     (vmf->vma->vm_flags & VM_SHARED);
	struct famfs_file_map *map;
	vm_fault_t ret;
	pfn_t pfn;
	int idx;

	idx = famfs_io_begin();
	map = famfs_data_map(inode);
	if (IS_ERR(map)) {
		famfs_io_end(idx);
		return VM_FAULT_SIGBUS;
	}

	if (write) {
		sb_start_pagefault(inode->i_sb);
		file_update_time(vmf->vma->vm_file);
	}
	ret = dax_iomap_fault(vmf, size, &pfn, NULL, &famfs_iomap_ops);
	if (ret & VM_FAULT_NEEDDSYNC)
		ret = dax_finish_sync_fault(vmf, size, pfn);
	if (write)
		sb_end_pagefault(inode->i_sb);
	famfs_io_end(idx);
	return ret;
}

static vm_fault_t famfs_pmem_fault(struct vm_fault *vmf)
{
	return famfs_pmem_huge_fault(vmf, FAMFS_FAULT_PTE);
}

static const struct vm_operations_struct famfs_pmem_vm_ops = {
	.fault		= famfs_pmem_fault,
	.huge_fault	= famfs_pmem_huge_fault,
	.page_mkwrite	= famfs_pmem_fault,
	.pfn_mkwrite	= famfs_pmem_fault,
};

/* ---- device-dax faults ---- */

static vm_fault_t famfs_devdax_pte_fault(struct vm_fault *vmf,
					 struct famfs_fs_info *fsi,
					 struct famfs_file_map *map)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	u64 pos = (u64)vmf->pgoff << PAGE_SHIFT;
	u64 dev_off, len;
	pfn_t pfn;

	if (pos >= i_size_read(inode))
		return VM_FAULT_SIGBUS;
	if (famfs_map_resolve(map, pos, &dev_off, &len))
		return VM_FAULT_SIGBUS;
	pfn = phys_to_pfn_t(famfs_devdax_phys(fsi, dev_off), PFN_DEV | PFN_MAP);
	return vmf_insert_mixed(vmf->vma, vmf->address, pfn);
}

static vm_fault_t famfs_devdax_pmd_fault(struct vm_fault *vmf,
					 struct famfs_fs_info *fsi,
					 struct famfs_file_map *map)
{
	struct vm_area_struct *vma = vmf->vma;
	struct inode *inode = file_inode(vma->vm_file);
	unsigned long haddr = vmf->address & PMD_MASK;
	pgoff_t pgoff;
	u64 pos, dev_off, len;
	phys_addr_t phys;
	pfn_t pfn;

	if (haddr < vma->vm_start || haddr + PMD_SIZE > vma->vm_end)
		return VM_FAULT_FALLBACK;
	pgoff = linear_page_index(vma, haddr);
	pos = (u64)pgoff << PAGE_SHIFT;
	if (pos & (PMD_SIZE - 1))
		return VM_FAULT_FALLBACK;
	/* the whole 2 MiB must be inside the file and one device range */
	if (pos + PMD_SIZE > i_size_read(inode))
		return VM_FAULT_FALLBACK;
	if (famfs_map_resolve(map, pos, &dev_off, &len) || len < PMD_SIZE)
		return VM_FAULT_FALLBACK;
	phys = famfs_devdax_phys(fsi, dev_off);
	if (phys & (PMD_SIZE - 1))
		return VM_FAULT_FALLBACK;
	pfn = phys_to_pfn_t(phys, PFN_DEV | PFN_MAP);
	return vmf_insert_pfn_pmd(vmf, pfn, vmf->flags & FAULT_FLAG_WRITE);
}

static vm_fault_t famfs_devdax_do_fault(struct vm_fault *vmf,
					famfs_fault_size_t size)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct famfs_fs_info *fsi = FAMFS_SB(inode->i_sb);
	struct famfs_file_map *map = famfs_data_map(inode);

	if (IS_ERR(map))
		return VM_FAULT_SIGBUS;
	/*
	 * A write fault in a private mapping would need a copy-on-write;
	 * famfs_mmap() makes those mappings unable to get one (no
	 * VM_MAYWRITE). Never insert a device page for one: a writable PMD
	 * would let private stores reach the device.
	 */
	if ((vmf->flags & FAULT_FLAG_WRITE) &&
	    !(vmf->vma->vm_flags & VM_SHARED))
		return VM_FAULT_SIGBUS;
	if (size == FAMFS_FAULT_PTE)
		return famfs_devdax_pte_fault(vmf, fsi, map);
	if (size == FAMFS_FAULT_PMD)
		return famfs_devdax_pmd_fault(vmf, fsi, map);
	return VM_FAULT_FALLBACK;
}

static vm_fault_t famfs_devdax_huge_fault(struct vm_fault *vmf,
					  famfs_fault_size_t size)
{
	int idx = famfs_io_begin();
	vm_fault_t ret = famfs_devdax_do_fault(vmf, size);

	famfs_io_end(idx);
	return ret;
}

static vm_fault_t famfs_devdax_fault(struct vm_fault *vmf)
{
	return famfs_devdax_huge_fault(vmf, FAMFS_FAULT_PTE);
}

static const struct vm_operations_struct famfs_devdax_vm_ops = {
	.fault		= famfs_devdax_fault,
	.huge_fault	= famfs_devdax_huge_fault,
};

/* ---- mmap ---- */

static int famfs_do_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct inode *inode = file_inode(file);
	struct famfs_fs_info *fsi = FAMFS_SB(inode->i_sb);
	struct famfs_file_map *map = famfs_data_map(inode);

	if (IS_ERR(map))
		return PTR_ERR(map);

	/*
	 * A private mapping is read-only for its whole life, on both
	 * devices: a store would copy a device page into anonymous memory,
	 * which famfs refuses (its files are memory shared between hosts;
	 * device-dax has no copy-on-write at all). Clearing VM_MAYWRITE
	 * makes mprotect(PROT_WRITE) fail with EACCES and keeps forced
	 * writes (ptrace, /proc/PID/mem) out. VM_MAYSHARE, not VM_SHARED:
	 * a MAP_SHARED mapping of a read-only descriptor loses VM_SHARED.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE)) {
		if (vma->vm_flags & VM_WRITE)
			return -EINVAL;
		famfs_vma_clear_flags(vma, VM_MAYWRITE);
	}

	if (fsi->kind == FAMFS_DEV_PMEM) {
		if (!daxdev_mapping_supported(vma, fsi->dax_dev))
			return -EOPNOTSUPP;
		vma->vm_ops = &famfs_pmem_vm_ops;
	} else {
		if ((vma->vm_flags & VM_SYNC) && !famfs_devdax_synchronous(fsi))
			return -EOPNOTSUPP;
		vma->vm_ops = &famfs_devdax_vm_ops;
	}
	file_accessed(file);
	famfs_vma_set_flags(vma, VM_HUGEPAGE);
	return 0;
}

static int famfs_mmap(struct file *file, struct vm_area_struct *vma)
{
	int idx = famfs_io_begin();
	int rc = famfs_do_mmap(file, vma);

	famfs_io_end(idx);
	return rc;
}

/*
 * device-dax: stores through a mapping may still sit in this CPU's caches;
 * write back [start, end] of the file so the memory (and other hosts
 * sharing it) has the bytes. write() already copies with cache flushing.
 * There is no dirty tracking here, so the whole range is written back.
 */
static int famfs_devdax_fsync(struct inode *inode, loff_t start, loff_t end)
{
	struct famfs_fs_info *fsi = FAMFS_SB(inode->i_sb);
	struct famfs_file_map *map = famfs_data_map(inode);
	u64 pos, last, dev_off, len;

	if (IS_ERR(map))
		return PTR_ERR(map) == -ENODATA ? 0 : PTR_ERR(map);
	if (start < 0 || end < start || !i_size_read(inode))
		return 0;
	last = min_t(u64, end, i_size_read(inode) - 1);
	for (pos = start; pos <= last; pos += len) {
		if (famfs_map_resolve(map, pos, &dev_off, &len))
			return -EIO;
		len = min_t(u64, len, last - pos + 1);
		arch_wb_cache_pmem(famfs_devdax_kaddr(fsi, dev_off), len);
		cond_resched();
	}
	return 0;
}

static int famfs_fsync(struct file *file, loff_t start, loff_t end,
		       int datasync)
{
	struct inode *inode = file_inode(file);
	struct famfs_fs_info *fsi = FAMFS_SB(inode->i_sb);

	int idx, rc;

	if (famfs_is_shutdown(fsi))
		return -EIO;
	/* pmem: flush CPU caches of the pages dirtied through mmap */
	if (fsi->kind == FAMFS_DEV_PMEM)
		return file_write_and_wait_range(file, start, end);
	idx = famfs_io_begin();
	rc = famfs_devdax_fsync(inode, start, end);
	famfs_io_end(idx);
	return rc;
}

const struct file_operations famfs_file_operations = {
	.owner			= THIS_MODULE,
	.llseek			= generic_file_llseek,
	.read_iter		= famfs_read_iter,
	.write_iter		= famfs_write_iter,
	.unlocked_ioctl		= famfs_file_ioctl,
	.compat_ioctl		= compat_ptr_ioctl,
	.mmap			= famfs_mmap,
#ifdef FOP_MMAP_SYNC
	.fop_flags		= FOP_MMAP_SYNC,
#else
	.mmap_supported_flags	= MAP_SYNC,
#endif
	.get_unmapped_area	= thp_get_unmapped_area,
	.fsync			= famfs_fsync,
	.splice_read		= famfs_splice_read,
	.splice_write		= iter_file_splice_write,
};

static int famfs_writepages(struct address_space *mapping,
			    struct writeback_control *wbc)
{
	struct famfs_fs_info *fsi = FAMFS_SB(mapping->host->i_sb);
	int idx, rc = 0;

	if (fsi->kind != FAMFS_DEV_PMEM)
		return 0;
	idx = famfs_io_begin();
	/* after a shutdown the DAX entries are gone and dax_dev with them */
	if (!famfs_is_shutdown(fsi) && fsi->dax_dev)
		rc = dax_writeback_mapping_range(mapping, fsi->dax_dev, wbc);
	famfs_io_end(idx);
	return rc;
}

const struct address_space_operations famfs_dax_aops = {
	.writepages	= famfs_writepages,
	.direct_IO	= noop_direct_IO,
	.dirty_folio	= noop_dirty_folio,
};
