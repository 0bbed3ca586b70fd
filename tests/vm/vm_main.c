// SPDX-License-Identifier: GPL-2.0
/*
 * famfs VM tests: command dispatcher of the guest test program
 * (famfs-vmtest, built static from the .c files in tests/vm by tests/vm/run.sh).
 *
 *   famfs-vmtest mount-errors PMEMDEV MNT
 *   famfs-vmtest fs pmem|devdax DEV MNT
 *   famfs-vmtest interop pmem|devdax DEV MNT   mount options, private maps, overlaps
 *   famfs-vmtest small-dev DEV MNT
 *   famfs-vmtest hwpoison PMEMDEV MNT
 *   famfs-vmtest shutdown pmem|devdax DEV MNT          (vm_remove.c)
 *   famfs-vmtest remove pmem|devdax|devdax-ns DEV MNT NAMESPACE  (vm_remove.c)
 *   famfs-vmtest delete pmem|devdax DEV MNT            (vm_delete.c)
 *   famfs-vmtest bench DAXDEV MNT
 *   famfs-vmtest async PMEMDEV MNT     virtio-pmem: MAP_SYNC refused
 *   famfs-vmtest stress DEV MNT SECONDS
 *   famfs-vmtest share-write|share-read pmem|devdax DEV MNT
 *   famfs-vmtest pattern-file|mmap-cmp|raw-cmp|mmap-put|mmap-wait|poison|bench-mmap|now|memcpy-bw ...  (vm_famfsd.c)
 *   famfs-vmtest mmap-hold|orphans ...  (vm_hold.c)
 *   famfs-vmtest mktree|count-tree|copy-parts ...  (vm_tree.c)
 *   famfs-vmtest check TAG NAME RC     report a check made by the init script
 *   famfs-vmtest say TEXT              print TEXT, wait until the tty sent it
 */
#include "vmtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "usage: famfs-vmtest CMD ARGS (see vm_main.c)\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "fs") && argc == 5)
		rc = cmd_fs(!strcmp(argv[2], "devdax"), argv[3], argv[4]);
	else if (!strcmp(cmd, "interop") && argc == 5)
		rc = cmd_interop(!strcmp(argv[2], "devdax"), argv[3], argv[4]);
	else if (!strcmp(cmd, "mount-errors") && argc == 4)
		rc = cmd_mount_errors(argv[2], argv[3]);
	else if (!strcmp(cmd, "small-dev") && argc == 4)
		rc = cmd_small_dev(argv[2], argv[3]);
	else if (!strcmp(cmd, "hwpoison") && argc == 4)
		rc = cmd_hwpoison(argv[2], argv[3]);
	else if (!strcmp(cmd, "shutdown") && argc == 5)
		rc = cmd_shutdown(!strcmp(argv[2], "devdax"), argv[3], argv[4]);
	else if (!strcmp(cmd, "delete") && argc == 5)
		rc = cmd_delete(!strcmp(argv[2], "devdax"), argv[3], argv[4]);
	else if (!strcmp(cmd, "remove") && argc == 6)
		rc = cmd_remove(argv[2], argv[3], argv[4], argv[5]);
	else if (!strcmp(cmd, "stress") && argc == 5)
		rc = cmd_stress(argv[2], argv[3], atoi(argv[4]));
	else if (!strcmp(cmd, "async") && argc == 4)
		rc = cmd_async(argv[2], argv[3]);
	else if (!strcmp(cmd, "bench") && argc == 4)
		rc = cmd_bench(argv[2], argv[3]);
	else if ((!strcmp(cmd, "share-write") || !strcmp(cmd, "share-read")) && argc == 5)
		rc = cmd_share(!strcmp(cmd, "share-write"), !strcmp(argv[2], "devdax"),
			       argv[3], argv[4]);
	else if (!strcmp(cmd, "pattern-file") && argc == 5)
		rc = cmd_pattern_file(argv[2], strtoull(argv[3], NULL, 0), strtoull(argv[4], NULL, 0));
	else if (!strcmp(cmd, "mmap-cmp") && argc == 5)
		rc = cmd_mmap_cmp(argv[2], argv[3], argv[4]);
	else if (!strcmp(cmd, "raw-cmp") && argc == 7)
		rc = cmd_raw_cmp(argv[2], !strcmp(argv[3], "devdax"), argv[4], argv[5], argv[6]);
	else if (!strcmp(cmd, "now") && argc == 2)
		rc = cmd_now();
	else if (!strcmp(cmd, "memcpy-bw") && argc == 3)
		rc = cmd_memcpy_bw(strtoull(argv[2], NULL, 0));
	else if (!strcmp(cmd, "mktree") && argc == 7)
		rc = cmd_mktree(argv[2], strtoull(argv[3], NULL, 0), strtoull(argv[4], NULL, 0),
				strtoull(argv[5], NULL, 0), strtoull(argv[6], NULL, 0));
	else if (!strcmp(cmd, "count-tree") && argc == 3)
		rc = cmd_count_tree(argv[2]);
	else if (!strcmp(cmd, "copy-parts") && argc == 4)
		rc = cmd_copy_parts(argv[2], argv[3]);
	else if (!strcmp(cmd, "bench-mmap") && argc == 5)
		rc = cmd_bench_mmap(argv[2], argv[3], argv[4]);
	else if (!strcmp(cmd, "poison") && argc == 4)
		rc = cmd_poison(argv[2], strtoull(argv[3], NULL, 0));
	else if (!strcmp(cmd, "mmap-put") && argc == 5)
		rc = cmd_mmap_put(argv[2], strtoull(argv[3], NULL, 0), argv[4]);
	else if (!strcmp(cmd, "mmap-wait") && argc == 8)
		rc = cmd_mmap_wait(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 0), argv[6], atoi(argv[7]));
	else if (!strcmp(cmd, "mmap-hold") && argc == 9)
		rc = cmd_mmap_hold(argv[2], argv[3], argv[4], argv[5], strtoull(argv[6], NULL, 0),
				   strtoull(argv[7], NULL, 0), atoi(argv[8]));
	else if (!strcmp(cmd, "orphans") && argc == 3)
		rc = cmd_orphans(argv[2]);
	else if (!strcmp(cmd, "check") && argc == 5) {
		set_tag(argv[2]);
		rc = report(!strcmp(argv[4], "0"), argv[3], "exit status %s", argv[4]) ? 0 : 1;
	} else if (!strcmp(cmd, "say") && argc == 3) {
		printf("%s\n", argv[2]);
		rc = 0;
	} else
		return usage();
	drain_stdout();
	return rc;
}
