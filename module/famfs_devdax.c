// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - file system for memory shared by several hosts
 *
 * device-dax backend for stock kernels. A stock device-dax device has no
 * dax operations, so famfs maps its memory itself. Nothing comes from user
 * space but the path: famfs opens the character device, proves it is a
 * device-dax instance (its file mapping belongs to the dax pseudo file
 * system and the device sits on the "dax" bus), reads the device's own
 * physical range from the device's attributes, and checks with
 * get_dev_pagemap() that the range is ZONE_DEVICE memory of type
 * MEMORY_DEVICE_GENERIC (device-dax; pmem in fs-dax mode is FS_DAX and
 * System RAM has no pagemap). The pagemap reference, a device reference
 * and the open file are held until the mount shuts down (at the latest
 * when the watch sees the device dying, famfs_shutdown.c) or unmounts.
 */

#include <linux/dax.h>
#include <linux/device.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernfs.h>
#include <linux/magic.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/cdev.h>

#include "famfs.h"

/*
 * Exported by drivers/dax/super.c (EXPORT_SYMBOL_GPL) but declared only in
 * the dax driver's private header: the dax_device behind a device-dax
 * character device inode.
 */
struct dax_device *inode_dax(struct inode *inode);

struct famfs_devdax {
	struct list_head claim;		/* on famfs_devdax_claims */
	dev_t devt;
	struct file *file;		/* the open /dev/daxX.Y */
	struct dax_device *dax_dev;
	struct device *dev;		/* the dev_dax device, referenced */
	struct dev_pagemap *pgmap;	/* referenced */
	phys_addr_t phys;
	u64 size;
	void *kaddr;			/* direct map of [phys, phys + size) */
	bool released;			/* refs dropped: only claim/devt left */
};

/* device-dax devices mounted by famfs: one mount per device */
static LIST_HEAD(famfs_devdax_claims);
static DEFINE_MUTEX(famfs_devdax_claims_lock);

static int famfs_devdax_claim(struct famfs_devdax *dd)
{
	struct famfs_devdax *other;
	int rc = 0;

	mutex_lock(&famfs_devdax_claims_lock);
	list_for_each_entry(other, &famfs_devdax_claims, claim) {
		if (other->devt == dd->devt) {
			rc = -EBUSY;
			break;
		}
	}
	if (!rc)
		list_add(&dd->claim, &famfs_devdax_claims);
	mutex_unlock(&famfs_devdax_claims_lock);
	return rc;
}

static void famfs_devdax_unclaim(struct famfs_devdax *dd)
{
	mutex_lock(&famfs_devdax_claims_lock);
	if (!list_empty(&dd->claim))
		list_del_init(&dd->claim);
	mutex_unlock(&famfs_devdax_claims_lock);
}

/* Read a numeric sysfs attribute of @dev through its show() method. */
static int famfs_dev_attr_u64(struct device *dev, const char *name, u64 *val)
{
	struct device_attribute *da;
	struct kernfs_node *kn;
	char *buf;
	ssize_t n;
	int rc;

	kn = kernfs_find_and_get(dev->kobj.sd, name);
	if (!kn)
		return -ENODEV;
	rc = -ENODEV;
	if (kernfs_type(kn) != KERNFS_FILE || !kn->priv)
		goto out_put;
	da = container_of((struct attribute *)kn->priv,
			  struct device_attribute, attr);
	if (!da->show)
		goto out_put;

	rc = -ENOMEM;
	buf = (char *)get_zeroed_page(GFP_KERNEL);
	if (!buf)
		goto out_put;
	n = da->show(dev, da, buf);
	if (n <= 0 || n >= PAGE_SIZE)
		rc = -ENODEV;
	else
		rc = kstrtoull(strim(buf), 0, val) ? -ENODEV : 0;
	free_page((unsigned long)buf);
out_put:
	kernfs_put(kn);
	return rc;
}

/* Is [start, end) inside one range of @pgmap? */
static bool famfs_pgmap_covers(struct dev_pagemap *pgmap, u64 start, u64 end)
{
	int i;

	for (i = 0; i < pgmap->nr_range; i++)
		if (start >= pgmap->ranges[i].start &&
		    end - 1 <= pgmap->ranges[i].end)
			return true;
	return false;
}

static int famfs_devdax_validate(struct famfs_devdax *dd)
{
	struct dev_pagemap *last;
	u64 start, size;
	int rc;

	rc = famfs_dev_attr_u64(dd->dev, "resource", &start);
	if (rc)
		return rc;
	rc = famfs_dev_attr_u64(dd->dev, "size", &size);
	if (rc)
		return rc;
	if (!size || start + size < start || !PAGE_ALIGNED(start) ||
	    !PAGE_ALIGNED(size))
		return -ENXIO;

	dd->pgmap = get_dev_pagemap(PHYS_PFN(start), NULL);
	if (!dd->pgmap)
		return -ENXIO;
	if (dd->pgmap->type != MEMORY_DEVICE_GENERIC ||
	    !famfs_pgmap_covers(dd->pgmap, start, start + size))
		return -ENXIO;
	last = get_dev_pagemap(PHYS_PFN(start + size - 1), NULL);
	if (last != dd->pgmap) {
		if (last)
			put_dev_pagemap(last);
		return -ENXIO;
	}
	put_dev_pagemap(last);

	dd->phys = start;
	dd->size = size;
	dd->kaddr = page_address(pfn_to_page(PHYS_PFN(start)));
	return dd->kaddr ? 0 : -ENXIO;
}

int famfs_devdax_open(struct famfs_fs_info *fsi, const char *path,
		      bool rdonly)
{
	struct famfs_devdax *dd;
	struct inode *inode;
	struct kobject *parent;
	struct file *file;
	int rc;

	fsi->kind = FAMFS_DEV_DEVDAX;
	dd = kzalloc(sizeof(*dd), GFP_KERNEL);
	if (!dd)
		return -ENOMEM;
	INIT_LIST_HEAD(&dd->claim);
	fsi->devdax = dd;

	file = filp_open(path, (rdonly ? O_RDONLY : O_RDWR) | O_LARGEFILE, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	dd->file = file;

	inode = file_inode(file);
	if (!S_ISCHR(inode->i_mode) || !inode->i_cdev || !file->f_mapping ||
	    file->f_mapping->host->i_sb->s_magic != DAXFS_MAGIC)
		return -ENODEV;

	/* cdev_device_add() made the dev_dax device the cdev's parent */
	parent = inode->i_cdev->kobj.parent;
	if (!parent)
		return -ENODEV;
	dd->dev = get_device(kobj_to_dev(parent));
	if (!dd->dev->bus || strcmp(dd->dev->bus->name, "dax") ||
	    dd->dev->devt != inode->i_rdev)
		return -ENODEV;
	dd->dax_dev = inode_dax(inode);
	dd->devt = inode->i_rdev;

	rc = famfs_devdax_claim(dd);
	if (rc)
		return rc;
	rc = famfs_devdax_validate(dd);
	if (rc)
		return rc;
	if (!famfs_devdax_alive(fsi))
		return -ENXIO;

	fsi->dev_size = dd->size;
	if (fsi->dev_size < FAMFS_LOG_OFFSET + FAMFS_MIN_LOG_LEN)
		return -EINVAL;
	return 0;
}

static void famfs_devdax_put_refs(struct famfs_devdax *dd)
{
	if (dd->pgmap)
		put_dev_pagemap(dd->pgmap);
	dd->pgmap = NULL;
	if (dd->dev)
		put_device(dd->dev);
	dd->dev = NULL;
	if (dd->file)
		filp_close(dd->file, NULL);
	dd->file = NULL;
	dd->dax_dev = NULL;	/* lived as long as the file */
	dd->kaddr = NULL;
}

/*
 * Shutdown step 4. The claim stays until unmount: the device cannot be
 * mounted twice while this super block exists.
 */
void famfs_devdax_release(struct famfs_fs_info *fsi)
{
	struct famfs_devdax *dd = fsi->devdax;

	if (!dd)
		return;
	WRITE_ONCE(dd->released, true);
	famfs_devdax_put_refs(dd);
}

void famfs_devdax_close(struct famfs_fs_info *fsi)
{
	struct famfs_devdax *dd = fsi->devdax;

	if (!dd)
		return;
	famfs_devdax_unclaim(dd);
	famfs_devdax_put_refs(dd);
	kfree(dd);
	fsi->devdax = NULL;
}

/*
 * Being unbound: kill_dev_dax() calls kill_dax(), and memunmap_pages()
 * kills the pagemap's ref before it waits for it. Watch work only.
 */
bool famfs_devdax_dying(struct famfs_fs_info *fsi)
{
	struct famfs_devdax *dd = fsi->devdax;

	if (!dd || dd->released || !dd->pgmap)
		return true;
	return percpu_ref_is_dying(&dd->pgmap->ref) || !famfs_devdax_alive(fsi);
}

bool famfs_devdax_alive(struct famfs_fs_info *fsi)
{
	struct famfs_devdax *dd = fsi->devdax;
	bool alive;
	int id;

	if (READ_ONCE(dd->released) || !dd->dax_dev)
		return false;
	id = dax_read_lock();
	alive = dax_alive(dd->dax_dev);
	dax_read_unlock(id);
	return alive;
}

bool famfs_devdax_synchronous(struct famfs_fs_info *fsi)
{
	return fsi->devdax->dax_dev && dax_synchronous(fsi->devdax->dax_dev);
}

phys_addr_t famfs_devdax_phys(struct famfs_fs_info *fsi, u64 dev_off)
{
	return fsi->devdax->phys + dev_off;
}

void *famfs_devdax_kaddr(struct famfs_fs_info *fsi, u64 dev_off)
{
	return fsi->devdax->kaddr + dev_off;
}
