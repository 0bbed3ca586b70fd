// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - file system for memory shared by several hosts
 *
 * File maps: the MAP_* ioctls, validation of every map user space hands
 * in, and translation of file offsets to device offsets.
 */

#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "famfs.h"

static_assert(sizeof(struct famfs_ioc_simple_extent) == 24);
static_assert(sizeof(struct famfs_ioc_interleaved_ext) == 32);
static_assert(sizeof(struct famfs_ioc_fmap) == 32);
static_assert(sizeof(struct famfs_ioc_get_fmap) == 448);
static_assert(sizeof(struct famfs_ioc_map) == 56);
static_assert(sizeof(struct famfs_extent) == 16);

#define FAMFS_PMD_MASK	(FAMFS_ALLOC_UNIT - 1)

static bool famfs_ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* Bytes at the start of the device reserved for the superblock and log. */
static u64 famfs_meta_end(struct famfs_fs_info *fsi)
{
	return FAMFS_LOG_OFFSET + (fsi->log_len ? fsi->log_len :
				   FAMFS_MIN_LOG_LEN);
}

/*
 * Checks that do not depend on the map type: inside the device, no overlap
 * between the ranges of one map, and the superblock/log rules.
 * Called with fsi->map_lock held.
 */
static int famfs_map_check_ranges(struct famfs_fs_info *fsi,
				  struct famfs_file_map *map)
{
	u32 i, j;

	for (i = 0; i < map->nr_ext; i++) {
		struct famfs_range *r = &map->ext[i];

		if (r->offset + r->len < r->offset ||
		    r->offset + r->len > fsi->dev_size)
			return -ENXIO;
		for (j = 0; j < i; j++)
			if (famfs_ranges_overlap(r->offset, r->len,
						 map->ext[j].offset,
						 map->ext[j].len))
				return -EINVAL;
	}

	switch (map->file_type) {
	case FAMFS_REG:
		for (i = 0; i < map->nr_ext; i++)
			if (map->ext[i].offset < famfs_meta_end(fsi))
				return -EINVAL;
		return 0;
	case FAMFS_SUPERBLOCK:
		if (map->ext_type != FAMFS_IOC_EXT_SIMPLE || map->nr_ext != 1 ||
		    map->ext[0].offset != 0 ||
		    map->ext[0].len != FAMFS_LOG_OFFSET)
			return -EINVAL;
		return fsi->have_sb_file ? -EBUSY : 0;
	case FAMFS_LOG:
		if (map->ext_type != FAMFS_IOC_EXT_SIMPLE || map->nr_ext != 1 ||
		    map->ext[0].offset != FAMFS_LOG_OFFSET ||
		    map->ext[0].len < FAMFS_MIN_LOG_LEN)
			return -EINVAL;
		return fsi->have_log_file ? -EBUSY : 0;
	default:
		return -EINVAL;
	}
}

/* A published range overlapping [off, off + len), or NULL. map_lock held. */
static struct famfs_range *famfs_mapped_range_find(struct famfs_fs_info *fsi,
						   u64 off, u64 len)
{
	struct rb_node *n = fsi->mapped_ranges.rb_node;

	/* published ranges are disjoint: at most one branch can hold a hit */
	while (n) {
		struct famfs_range *r = rb_entry(n, struct famfs_range, node);

		if (off + len <= r->offset)
			n = n->rb_left;
		else if (r->offset + r->len <= off)
			n = n->rb_right;
		else
			return r;
	}
	return NULL;
}

static void famfs_mapped_range_insert(struct famfs_fs_info *fsi,
				      struct famfs_range *r)
{
	struct rb_node **link = &fsi->mapped_ranges.rb_node, *parent = NULL;

	while (*link) {
		struct famfs_range *e = rb_entry(*link, struct famfs_range, node);

		parent = *link;
		link = r->offset < e->offset ? &parent->rb_left :
					       &parent->rb_right;
	}
	rb_link_node(&r->node, parent, link);
	rb_insert_color(&r->node, &fsi->mapped_ranges);
}

/* Does any mapped regular file reach below @end? */
static bool famfs_regular_file_below(struct famfs_fs_info *fsi, u64 end)
{
	struct super_block *sb = fsi->sb;
	struct inode *inode;
	bool found = false;
	u32 i;

	spin_lock(&sb->s_inode_list_lock);
	list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		struct famfs_file_map *map = famfs_inode_map(inode);

		if (!map || map->file_type != FAMFS_REG)
			continue;
		for (i = 0; i < map->nr_ext; i++)
			if (map->ext[i].offset < end)
				found = true;
	}
	spin_unlock(&sb->s_inode_list_lock);
	return found;
}

static int famfs_check_simple(struct famfs_file_map *map, bool v1)
{
	u32 i;

	map->mapped_bytes = 0;
	for (i = 0; i < map->nr_ext; i++) {
		struct famfs_range *r = &map->ext[i];
		bool last = i == map->nr_ext - 1;

		if (!r->len || (r->offset & FAMFS_PMD_MASK))
			return -EINVAL;
		if (v1 && last) {
			if (r->len & (PAGE_SIZE - 1))
				return -EINVAL;
		} else if (r->len & FAMFS_PMD_MASK) {
			return -EINVAL;
		}
		if (map->mapped_bytes + r->len < map->mapped_bytes)
			return -EINVAL;
		map->mapped_bytes += r->len;
	}
	if (map->file_size > map->mapped_bytes)
		return -EINVAL;
	return 0;
}

/* Copy and check the strips of the (single) interleaved extent. */
static int famfs_load_interleaved(struct famfs_file_map *map,
				  const struct famfs_ioc_fmap *fmap)
{
	struct famfs_ioc_simple_extent strips[FAMFS_MAX_STRIPS];
	struct famfs_ioc_interleaved_ext ie;
	u64 strip_len;
	u32 i;

	if (map->file_type != FAMFS_REG)
		return -EINVAL;
	if (fmap->fioc_niext == 0)
		return -EINVAL;
	if (fmap->fioc_niext > FAMFS_IOC_MAX_INTERLEAVED_EXTENTS)
		return -E2BIG;
	if (copy_from_user(&ie, u64_to_user_ptr(fmap->kie), sizeof(ie)))
		return -EFAULT;

	if (ie.ie_nstrips == 0)
		return -EINVAL;
	if (ie.ie_nstrips > FAMFS_MAX_STRIPS)
		return -E2BIG;
	if (!is_power_of_2(ie.ie_chunk_size) ||
	    ie.ie_chunk_size < FAMFS_ALLOC_UNIT)
		return -EINVAL;
	if (copy_from_user(strips, u64_to_user_ptr(ie.ie_strips),
			   ie.ie_nstrips * sizeof(strips[0])))
		return -EFAULT;

	strip_len = strips[0].len;
	if (!strip_len || (strip_len & (ie.ie_chunk_size - 1)))
		return -EINVAL;
	for (i = 0; i < ie.ie_nstrips; i++) {
		if (strips[i].devindex != 0 || strips[i].len != strip_len ||
		    (strips[i].offset & FAMFS_PMD_MASK))
			return -EINVAL;
		map->ext[i].offset = strips[i].offset;
		map->ext[i].len = strips[i].len;
	}
	map->nr_ext = ie.ie_nstrips;
	map->chunk_size = ie.ie_chunk_size;
	map->chunk_shift = ilog2(ie.ie_chunk_size);
	map->nbytes = ie.ie_nbytes;

	/* nstrips <= 16 and strip_len < 2^64: check the product for overflow */
	if (strip_len > U64_MAX / ie.ie_nstrips)
		return -EINVAL;
	map->mapped_bytes = strip_len * ie.ie_nstrips;
	if (!map->nbytes || map->nbytes > map->mapped_bytes ||
	    map->file_size > map->nbytes)
		return -EINVAL;
	return 0;
}

static int famfs_load_simple(struct famfs_file_map *map,
			     const struct famfs_ioc_fmap *fmap)
{
	struct famfs_ioc_simple_extent se[FAMFS_MAX_SIMPLE_EXTENTS];
	u32 i;

	if (fmap->fioc_nextents == 0)
		return -EINVAL;
	if (fmap->fioc_nextents > FAMFS_MAX_SIMPLE_EXTENTS)
		return -E2BIG;
	if (copy_from_user(se, u64_to_user_ptr(fmap->kse),
			   fmap->fioc_nextents * sizeof(se[0])))
		return -EFAULT;
	for (i = 0; i < fmap->fioc_nextents; i++) {
		if (se[i].devindex != 0)
			return -EINVAL;
		map->ext[i].offset = se[i].offset;
		map->ext[i].len = se[i].len;
	}
	map->nr_ext = fmap->fioc_nextents;
	return famfs_check_simple(map, false);
}

/*
 * Validate @map against the mount and attach it to @inode. Takes ownership
 * of @map (freed on failure).
 */
static int famfs_map_publish(struct inode *inode, struct famfs_file_map *map)
{
	struct famfs_fs_info *fsi = FAMFS_SB(inode->i_sb);
	u32 i;
	int rc;

	mutex_lock(&fsi->map_lock);
	/* held to the end: FAMFSIOC_REMOVE drops i_nlink under it */
	inode_lock(inode);
	if (famfs_inode_map(inode)) {
		rc = -EEXIST;
		goto out;
	}
	/* removed already: a map would never be reported as an orphan */
	if (!inode->i_nlink) {
		rc = -ENOENT;
		goto out;
	}
	if (famfs_is_shutdown(fsi)) {
		rc = -EIO;
		goto out;
	}
	rc = famfs_map_check_ranges(fsi, map);
	if (rc)
		goto out;
	if (map->file_type == FAMFS_LOG &&
	    map->ext[0].len != fsi->log_len &&
	    famfs_regular_file_below(fsi, FAMFS_LOG_OFFSET + map->ext[0].len)) {
		rc = -EINVAL;
		goto out;
	}
	/* bytes another file already maps (a cross-link, e.g. a clone) */
	for (i = 0; i < map->nr_ext; i++) {
		if (famfs_mapped_range_find(fsi, map->ext[i].offset,
					    map->ext[i].len)) {
			rc = -EEXIST;
			goto out;
		}
	}
	for (i = 0; i < map->nr_ext; i++)
		famfs_mapped_range_insert(fsi, &map->ext[i]);

	if (map->file_type == FAMFS_SUPERBLOCK)
		fsi->have_sb_file = true;
	if (map->file_type == FAMFS_LOG) {
		fsi->have_log_file = true;
		fsi->log_len = map->ext[0].len;
	}
	fsi->mapped_bytes += map->mapped_bytes;

	i_size_write(inode, map->file_size);
	/* map contents visible before the pointer; see famfs_inode_map() */
	smp_store_release((struct famfs_file_map **)&inode->i_private, map);
	map = NULL;
out:
	inode_unlock(inode);
	mutex_unlock(&fsi->map_lock);
	kfree(map);
	return rc;
}

static struct famfs_file_map *famfs_map_alloc(u64 file_size, u32 file_type)
{
	struct famfs_file_map *map = kzalloc(sizeof(*map), GFP_KERNEL);

	if (map) {
		map->file_size = file_size;
		map->file_type = file_type;
	}
	return map;
}

static int famfs_ioc_map_create_v2(struct inode *inode, void __user *arg)
{
	struct famfs_ioc_fmap fmap;
	struct famfs_file_map *map;
	int rc;

	if (copy_from_user(&fmap, arg, sizeof(fmap)))
		return -EFAULT;
	if (famfs_inode_map(inode))
		return -EEXIST;

	map = famfs_map_alloc(fmap.fioc_file_size, fmap.fioc_file_type);
	if (!map)
		return -ENOMEM;
	map->ext_type = fmap.fioc_ext_type;

	switch (fmap.fioc_ext_type) {
	case FAMFS_IOC_EXT_SIMPLE:
		rc = famfs_load_simple(map, &fmap);
		break;
	case FAMFS_IOC_EXT_INTERLEAVE:
		rc = famfs_load_interleaved(map, &fmap);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	if (rc) {
		kfree(map);
		return rc;
	}
	return famfs_map_publish(inode, map);
}

static int famfs_ioc_map_create_v1(struct inode *inode, void __user *arg)
{
	struct famfs_file_map *map;
	struct famfs_ioc_map imap;
	u32 i;
	int rc;

	if (copy_from_user(&imap, arg, sizeof(imap)))
		return -EFAULT;
	if (famfs_inode_map(inode))
		return -EEXIST;
	if (imap.extent_type != SIMPLE_DAX_EXTENT)
		return -EINVAL;
	if (imap.ext_list_count == 0)
		return -EINVAL;
	if (imap.ext_list_count > FAMFS_MAX_EXTENTS)
		return -E2BIG;

	map = famfs_map_alloc(imap.file_size, imap.file_type);
	if (!map)
		return -ENOMEM;
	map->ext_type = FAMFS_IOC_EXT_SIMPLE;
	map->nr_ext = imap.ext_list_count;
	for (i = 0; i < map->nr_ext; i++) {
		map->ext[i].offset = imap.ext_list[i].offset;
		map->ext[i].len = imap.ext_list[i].len;
	}
	rc = famfs_check_simple(map, true);
	if (rc) {
		kfree(map);
		return rc;
	}
	return famfs_map_publish(inode, map);
}

static int famfs_ioc_map_get_v2(struct inode *inode, void __user *arg)
{
	struct famfs_file_map *map = famfs_inode_map(inode);
	struct famfs_ioc_get_fmap *out;
	u32 i;
	int rc = 0;

	if (!map)
		return -ENODATA;
	out = kzalloc(sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;

	out->iocmap.fioc_file_size = map->file_size;
	out->iocmap.fioc_file_type = map->file_type;
	out->iocmap.fioc_ext_type = map->ext_type;
	if (map->ext_type == FAMFS_IOC_EXT_SIMPLE) {
		out->iocmap.fioc_nextents = map->nr_ext;
		for (i = 0; i < map->nr_ext; i++) {
			out->ikse[i].offset = map->ext[i].offset;
			out->ikse[i].len = map->ext[i].len;
		}
	} else {
		out->iocmap.fioc_niext = 1;
		out->ks.ikie.ie_nstrips = map->nr_ext;
		out->ks.ikie.ie_chunk_size = map->chunk_size;
		out->ks.ikie.ie_nbytes = map->nbytes;
		for (i = 0; i < map->nr_ext; i++) {
			out->ks.kie_strips[i].offset = map->ext[i].offset;
			out->ks.kie_strips[i].len = map->ext[i].len;
		}
	}
	if (copy_to_user(arg, out, sizeof(*out)))
		rc = -EFAULT;
	kfree(out);
	return rc;
}

static int famfs_ioc_map_get_v1(struct inode *inode, void __user *arg)
{
	struct famfs_file_map *map = famfs_inode_map(inode);
	struct famfs_ioc_map out;
	u32 i;

	if (!map)
		return -ENODATA;
	memset(&out, 0, sizeof(out));
	out.file_type = map->file_type;
	out.file_size = map->file_size;
	if (map->ext_type == FAMFS_IOC_EXT_SIMPLE) {
		out.extent_type = SIMPLE_DAX_EXTENT;
		out.ext_list_count = map->nr_ext;
		for (i = 0; i < map->nr_ext && i < FAMFS_MAX_EXTENTS; i++) {
			out.ext_list[i].offset = map->ext[i].offset;
			out.ext_list[i].len = map->ext[i].len;
		}
	} else {
		out.extent_type = INTERLEAVED_EXTENT;
		out.ext_list_count = 1;
	}
	if (copy_to_user(arg, &out, sizeof(out)))
		return -EFAULT;
	return 0;
}

/* Copies out famfs_extent[nr_ext]; the caller sized it from MAP_GET. */
static int famfs_ioc_map_getext(struct inode *inode, void __user *arg)
{
	struct famfs_file_map *map = famfs_inode_map(inode);
	struct famfs_extent ext[FAMFS_MAX_SIMPLE_EXTENTS];
	u32 i;

	if (!map)
		return -ENODATA;
	if (map->ext_type != FAMFS_IOC_EXT_SIMPLE)
		return -EINVAL;
	memset(ext, 0, sizeof(ext));
	for (i = 0; i < map->nr_ext; i++) {
		ext[i].offset = map->ext[i].offset;
		ext[i].len = map->ext[i].len;
	}
	if (copy_to_user(arg, ext, map->nr_ext * sizeof(ext[0])))
		return -EFAULT;
	return 0;
}

long famfs_file_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct inode *inode = file_inode(file);
	struct famfs_fs_info *fsi = FAMFS_SB(inode->i_sb);
	void __user *uarg = (void __user *)arg;
	long rc;

	if (cmd == FAMFSIOC_NOP)
		return 0;
	rc = famfs_sb_ioctl(file, cmd, arg);
	if (rc != -ENOIOCTLCMD)
		return rc;
	if (famfs_is_shutdown(fsi))
		return -EIO;

	switch (cmd) {
	case FAMFSIOC_MAP_CREATE:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		return famfs_ioc_map_create_v1(inode, uarg);
	case FAMFSIOC_MAP_CREATE_V2:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		return famfs_ioc_map_create_v2(inode, uarg);
	case FAMFSIOC_MAP_GET:
		return famfs_ioc_map_get_v1(inode, uarg);
	case FAMFSIOC_MAP_GETEXT:
		return famfs_ioc_map_getext(inode, uarg);
	case FAMFSIOC_MAP_GET_V2:
		return famfs_ioc_map_get_v2(inode, uarg);
	default:
		return -ENOTTY;
	}
}

/*
 * Translate file offset @pos to a device offset. *len is the number of
 * bytes contiguous on the device from there (to the end of the extent or
 * chunk). Returns -ENXIO when @pos is past the map.
 */
int famfs_map_resolve(const struct famfs_file_map *map, u64 pos,
		      u64 *dev_off, u64 *len)
{
	u64 chunk, stripe, in_chunk;
	u32 strip, i;

	if (map->ext_type == FAMFS_IOC_EXT_SIMPLE) {
		for (i = 0; i < map->nr_ext; i++) {
			if (pos < map->ext[i].len) {
				*dev_off = map->ext[i].offset + pos;
				*len = map->ext[i].len - pos;
				return 0;
			}
			pos -= map->ext[i].len;
		}
		return -ENXIO;
	}

	if (pos >= map->nbytes)
		return -ENXIO;
	chunk = pos >> map->chunk_shift;
	in_chunk = pos & (map->chunk_size - 1);
	stripe = div_u64_rem(chunk, map->nr_ext, &strip);
	*dev_off = map->ext[strip].offset + (stripe << map->chunk_shift) +
		   in_chunk;
	*len = map->chunk_size - in_chunk;
	return 0;
}

void famfs_map_release(struct inode *inode)
{
	struct famfs_file_map *map = inode->i_private;
	struct famfs_fs_info *fsi = FAMFS_SB(inode->i_sb);
	u32 i;

	if (!map)
		return;
	inode->i_private = NULL;
	famfs_orphan_forget(fsi, map);
	mutex_lock(&fsi->map_lock);
	for (i = 0; i < map->nr_ext; i++)
		rb_erase(&map->ext[i].node, &fsi->mapped_ranges);
	fsi->mapped_bytes -= map->mapped_bytes;
	if (map->file_type == FAMFS_SUPERBLOCK)
		fsi->have_sb_file = false;
	/* log_len stays: the log region remains reserved for this mount */
	if (map->file_type == FAMFS_LOG)
		fsi->have_log_file = false;
	mutex_unlock(&fsi->map_lock);
	kfree(map);
}
