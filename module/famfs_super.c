// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - file system for memory shared by several hosts
 *
 * Super block, inodes, directories, mount and module glue. The namespace
 * lives only in the dcache (like ramfs); user space recreates it on every
 * mount from the famfs log.
 */

#include <linux/module.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/namei.h>
#include <linux/pagemap.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/string.h>

#include "famfs.h"

static int famfs_kabi_version = FAMFS_KABI_VERSION;
module_param(famfs_kabi_version, int, 0444);
MODULE_PARM_DESC(famfs_kabi_version, "famfs kernel ABI version (read only)");

static const struct inode_operations famfs_dir_inode_operations;
static const struct inode_operations famfs_file_inode_operations;

static struct inode *famfs_new_inode(struct super_block *sb,
				     const struct inode *dir, umode_t mode)
{
	struct inode *inode = new_inode(sb);

	if (!inode)
		return NULL;

	inode->i_ino = get_next_ino();
	inode_init_owner(famfs_nop_idmap, inode, dir, mode);
	famfs_inode_init_ts(inode);

	switch (mode & S_IFMT) {
	case S_IFREG:
		inode->i_op = &famfs_file_inode_operations;
		inode->i_fop = &famfs_file_operations;
		inode->i_mapping->a_ops = &famfs_dax_aops;
		/* DAX from the start: no page cache, PMD faults allowed */
		inode->i_flags |= S_DAX;
		break;
	case S_IFDIR:
		inode->i_op = &famfs_dir_inode_operations;
		inode->i_fop = &famfs_dir_operations;
		/* "." entry */
		inc_nlink(inode);
		break;
	default:
		iput(inode);
		return NULL;
	}
	return inode;
}

static int famfs_make_node(struct inode *dir, struct dentry *dentry,
			   umode_t mode)
{
	struct famfs_fs_info *fsi = FAMFS_SB(dir->i_sb);
	struct inode *inode;

	if (famfs_is_shutdown(fsi))
		return -EIO;

	inode = famfs_new_inode(dir->i_sb, dir, mode);
	if (!inode)
		return -ENOSPC;

	if (S_ISDIR(mode))
		inc_nlink(dir);
	/* pinned in the dcache until FAMFSIOC_REMOVE or unmount */
	d_instantiate(dentry, inode);
	dget(dentry);
	famfs_inode_touch(dir);
	return 0;
}

static int famfs_create(FAMFS_IDMAP *idmap, struct inode *dir,
			struct dentry *dentry, umode_t mode, bool excl)
{
	return famfs_make_node(dir, dentry, (mode & ~S_IFMT) | S_IFREG);
}

static int famfs_mkdir(FAMFS_IDMAP *idmap, struct inode *dir,
		       struct dentry *dentry, umode_t mode)
{
	return famfs_make_node(dir, dentry, (mode & ~S_IFMT) | S_IFDIR);
}

/*
 * No ->unlink, ->rmdir, ->symlink, ->link, ->mknod, ->rename or ->tmpfile:
 * the VFS answers EPERM (EOPNOTSUPP for O_TMPFILE), to root too. Names
 * leave the namespace only through FAMFSIOC_REMOVE (famfs_remove.c), which
 * famfsd issues when it applies a DELETE entry of the log, so the mount
 * never disagrees with the log. Regular files made with mknod(2) reach
 * ->create.
 */
static const struct inode_operations famfs_dir_inode_operations = {
	.create		= famfs_create,
	.lookup		= simple_lookup,
	.mkdir		= famfs_mkdir,
};

/* Files never change size: only a no-op size change passes. */
static int famfs_setattr(FAMFS_IDMAP *idmap, struct dentry *dentry,
			 struct iattr *iattr)
{
	struct inode *inode = d_inode(dentry);
	int rc;

	rc = setattr_prepare(idmap, dentry, iattr);
	if (rc)
		return rc;

	if ((iattr->ia_valid & ATTR_SIZE) &&
	    iattr->ia_size != i_size_read(inode))
		return -EPERM;

	setattr_copy(idmap, inode, iattr);
	mark_inode_dirty(inode);
	return 0;
}

static const struct inode_operations famfs_file_inode_operations = {
	.setattr	= famfs_setattr,
	.getattr	= simple_getattr,
};

static int famfs_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct famfs_fs_info *fsi = FAMFS_SB(dentry->d_sb);
	u64 used;

	mutex_lock(&fsi->map_lock);
	used = min(fsi->mapped_bytes, fsi->dev_size);
	mutex_unlock(&fsi->map_lock);

	buf->f_type = FAMFS_SUPER_MAGIC;
	buf->f_bsize = PAGE_SIZE;
	buf->f_frsize = PAGE_SIZE;
	buf->f_blocks = fsi->dev_size >> PAGE_SHIFT;
	buf->f_bfree = (fsi->dev_size - used) >> PAGE_SHIFT;
	buf->f_bavail = buf->f_bfree;
	buf->f_namelen = NAME_MAX;
	return 0;
}

static void famfs_evict_inode(struct inode *inode)
{
	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	famfs_map_release(inode);
}

static int famfs_show_options(struct seq_file *m, struct dentry *root)
{
	struct famfs_fs_info *fsi = FAMFS_SB(root->d_sb);
	struct famfs_mount_opts *o = &fsi->opts;

	if (o->set_mode)
		seq_printf(m, ",mode=%o", o->root_mode);
	if (o->set_uid)
		seq_printf(m, ",uid=%u",
			   from_kuid_munged(&init_user_ns, o->root_uid));
	if (o->set_gid)
		seq_printf(m, ",gid=%u",
			   from_kgid_munged(&init_user_ns, o->root_gid));
	if (famfs_is_shutdown(fsi))
		seq_printf(m, ",shutdown=%s", famfs_reason_name(fsi->reason));
	return 0;
}

static const struct super_operations famfs_super_ops = {
	.statfs		= famfs_statfs,
	.drop_inode	= generic_delete_inode,
	.evict_inode	= famfs_evict_inode,
	.show_options	= famfs_show_options,
};

static int famfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct famfs_fs_info *fsi = sb->s_fs_info;
	bool rdonly = sb_rdonly(sb);
	struct path path;
	struct inode *root;
	umode_t mode;
	int rc;

	fsi->sb = sb;
	if (!fc->source || !*fc->source) {
		errorf(fc, "famfs: no device given");
		return -EINVAL;
	}
	fsi->dev_name = kstrdup(fc->source, GFP_KERNEL);
	if (!fsi->dev_name)
		return -ENOMEM;

	rc = kern_path(fc->source, LOOKUP_FOLLOW, &path);
	if (rc) {
		errorf(fc, "famfs: cannot look up %s", fc->source);
		return rc;
	}
	mode = d_backing_inode(path.dentry)->i_mode;
	path_put(&path);

	if (S_ISBLK(mode)) {
		rc = famfs_pmem_open(fsi, fc->source, rdonly);
	} else if (S_ISCHR(mode)) {
		rc = famfs_devdax_open(fsi, fc->source, rdonly);
	} else {
		errorf(fc, "famfs: %s is not a device", fc->source);
		return -ENOTBLK;
	}
	if (rc) {
		errorf(fc, "famfs: cannot use %s (%d)", fc->source, rc);
		return rc;
	}

	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_magic = FAMFS_SUPER_MAGIC;
	sb->s_op = &famfs_super_ops;
	sb->s_time_gran = 1;

	root = famfs_new_inode(sb, NULL, S_IFDIR | fsi->opts.root_mode);
	if (!root)
		return -ENOMEM;
	/* without uid=/gid= the root belongs to the mounter, as before */
	root->i_uid = fsi->opts.root_uid;
	root->i_gid = fsi->opts.root_gid;
	sb->s_root = d_make_root(root);
	if (!sb->s_root)
		return -ENOMEM;

	famfs_watch_start(fsi);
	pr_info("famfs: mounted %s (%s, %llu bytes)\n", fsi->dev_name,
		fsi->kind == FAMFS_DEV_PMEM ? "fs-dax" : "device-dax",
		fsi->dev_size);
	return 0;
}

static int famfs_get_tree(struct fs_context *fc)
{
	return get_tree_nodev(fc, famfs_fill_super);
}

static void famfs_free_fsi(struct famfs_fs_info *fsi)
{
	if (!fsi)
		return;
	kfree(fsi->dev_name);
	kfree(fsi);
}

static void famfs_free_fc(struct fs_context *fc)
{
	famfs_free_fsi(fc->s_fs_info);
}

enum famfs_param {
	FAMFS_OPT_DAX_FLAG,
	FAMFS_OPT_DAX,
	FAMFS_OPT_MODE,
	FAMFS_OPT_UID,
	FAMFS_OPT_GID,
};

/*
 * "dax" and "dax=always" are accepted because the reference kernel and its
 * tooling pass them: every famfs file is DAX, there is nothing to choose.
 */
static const struct fs_parameter_spec famfs_fs_parameters[] = {
	fsparam_flag("dax", FAMFS_OPT_DAX_FLAG),
	fsparam_string("dax", FAMFS_OPT_DAX),
	fsparam_u32oct("mode", FAMFS_OPT_MODE),
	fsparam_u32("uid", FAMFS_OPT_UID),
	fsparam_u32("gid", FAMFS_OPT_GID),
	{}
};

static int famfs_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct famfs_fs_info *fsi = fc->s_fs_info;
	struct famfs_mount_opts *o = &fsi->opts;
	struct fs_parse_result result;
	kuid_t uid;
	kgid_t gid;
	int opt;

	/* unknown keys: -ENOPARAM lets the VFS take "source", EINVAL else */
	opt = fs_parse(fc, famfs_fs_parameters, param, &result);
	if (opt < 0)
		return opt;

	switch (opt) {
	case FAMFS_OPT_DAX_FLAG:
		return 0;
	case FAMFS_OPT_DAX:
		if (strcmp(param->string, "always"))
			return invalfc(fc, "dax=%s not supported: famfs files are always DAX (dax=always)",
				       param->string);
		return 0;
	case FAMFS_OPT_MODE:
		if (result.uint_32 & ~(u32)S_IALLUGO)
			return invalfc(fc, "mode=%o: only permission bits (at most 07777)",
				       result.uint_32);
		o->root_mode = result.uint_32;
		o->set_mode = true;
		return 0;
	case FAMFS_OPT_UID:
		uid = make_kuid(fc->user_ns, result.uint_32);
		if (!uid_valid(uid))
			return invalfc(fc, "uid=%u: no such user id in this namespace",
				       result.uint_32);
		o->root_uid = uid;
		o->set_uid = true;
		return 0;
	case FAMFS_OPT_GID:
		gid = make_kgid(fc->user_ns, result.uint_32);
		if (!gid_valid(gid))
			return invalfc(fc, "gid=%u: no such group id in this namespace",
				       result.uint_32);
		o->root_gid = gid;
		o->set_gid = true;
		return 0;
	}
	return -EINVAL;
}

/* remount: mode=/uid=/gid= given now change the root directory */
static void famfs_reconfigure_root(struct super_block *sb,
				   const struct famfs_mount_opts *new)
{
	struct famfs_mount_opts *o = &FAMFS_SB(sb)->opts;
	struct inode *root = d_inode(sb->s_root);

	if (!new->set_mode && !new->set_uid && !new->set_gid)
		return;
	inode_lock(root);
	if (new->set_mode) {
		o->root_mode = new->root_mode;
		o->set_mode = true;
		root->i_mode = S_IFDIR | new->root_mode;
	}
	if (new->set_uid) {
		o->root_uid = new->root_uid;
		o->set_uid = true;
		root->i_uid = new->root_uid;
	}
	if (new->set_gid) {
		o->root_gid = new->root_gid;
		o->set_gid = true;
		root->i_gid = new->root_gid;
	}
	famfs_inode_touch_ctime(root);
	inode_unlock(root);
}

static int famfs_reconfigure(struct fs_context *fc)
{
	struct super_block *sb = fc->root->d_sb;
	struct famfs_fs_info *fsi = FAMFS_SB(sb);
	bool to_rw = (fc->sb_flags_mask & SB_RDONLY) &&
		     !(fc->sb_flags & SB_RDONLY);

	/*
	 * The VFS refuses read-write on a read-only block device only for
	 * file systems with an s_bdev; famfs has none, so check here (the
	 * same answer a read-write mount of that device gets).
	 */
	if (to_rw && famfs_is_shutdown(fsi))
		return -EIO;
	if (to_rw && sb_rdonly(sb) && fsi->kind == FAMFS_DEV_PMEM &&
	    bdev_read_only(fsi->bdev))
		return -EACCES;
	sync_filesystem(sb);
	famfs_reconfigure_root(sb, &((struct famfs_fs_info *)fc->s_fs_info)->opts);
	return 0;
}

static const struct fs_context_operations famfs_context_ops = {
	.free		= famfs_free_fc,
	.parse_param	= famfs_parse_param,
	.get_tree	= famfs_get_tree,
	.reconfigure	= famfs_reconfigure,
};

static int famfs_init_fs_context(struct fs_context *fc)
{
	struct famfs_fs_info *fsi;

	fsi = kzalloc(sizeof(*fsi), GFP_KERNEL);
	if (!fsi)
		return -ENOMEM;
	mutex_init(&fsi->map_lock);
	famfs_watch_init(fsi);
	famfs_orphans_init(fsi);
	fsi->mapped_ranges = RB_ROOT;
	fsi->opts.root_mode = FAMFS_ROOT_MODE_DEFAULT;
	fsi->opts.root_uid = current_fsuid();
	fsi->opts.root_gid = current_fsgid();
	fc->s_fs_info = fsi;
	fc->ops = &famfs_context_ops;
	return 0;
}

static void famfs_kill_sb(struct super_block *sb)
{
	struct famfs_fs_info *fsi = sb->s_fs_info;
	/* no root: fill_super failed, this is the cleanup of a failed mount */
	bool was_mounted = sb->s_root;

	if (fsi)
		famfs_watch_stop(fsi);
	/* evicts every inode (and frees the maps) while fsi is still valid */
	kill_litter_super(sb);
	if (!fsi)
		return;
	if (fsi->kind == FAMFS_DEV_PMEM)
		famfs_pmem_close(fsi);
	else
		famfs_devdax_close(fsi);
	if (was_mounted)
		pr_info("famfs: unmounted %s\n", fsi->dev_name);
	famfs_free_fsi(fsi);
}

static struct file_system_type famfs_fs_type = {
	.owner			= THIS_MODULE,
	.name			= FAMFS_NAME,
	.init_fs_context	= famfs_init_fs_context,
	.parameters		= famfs_fs_parameters,
	.kill_sb		= famfs_kill_sb,
};
MODULE_ALIAS_FS(FAMFS_NAME);

static int __init famfs_init(void)
{
	int rc = famfs_shutdown_init();

	if (rc)
		return rc;
	rc = register_filesystem(&famfs_fs_type);
	if (rc)
		famfs_shutdown_exit();
	return rc;
}

static void __exit famfs_exit(void)
{
	unregister_filesystem(&famfs_fs_type);
	famfs_shutdown_exit();
}

module_init(famfs_init);
module_exit(famfs_exit);

MODULE_AUTHOR("famfs project");
MODULE_DESCRIPTION("famfs: file system for shared fabric-attached memory");
MODULE_LICENSE("GPL");
