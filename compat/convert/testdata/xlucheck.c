/*
 * xlucheck: reads xl.cfg files with xl's own parser (libxlutil) for the
 * convert package's tests.
 *
 *   xlucheck FILE KEY:TYPE...   TYPE s = string, l = long, L = list of strings.
 *     Prints one record per key: "S key len\n<bytes>\n", "N key value\n",
 *     "L key count\n" followed by "I len\n<bytes>\n" per item, or
 *     "M key\n" when the key is missing or has another type.
 *     Exits 2 when the file does not parse.
 *   xlucheck -bench ROUNDS FILE...
 *     Parses every file ROUNDS times from memory; prints "bytes wall-seconds cpu-seconds".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libxlutil.h>

static void put(const char *tag, const char *s) {
	printf("%s %zu\n", tag, strlen(s));
	fwrite(s, 1, strlen(s), stdout);
	putchar('\n');
}

static int bench(int rounds, int n, char **files) {
	char *data[4096];
	long len[4096];
	long total = 0;
	if (n > 4096) n = 4096;
	for (int i = 0; i < n; i++) {
		FILE *f = fopen(files[i], "rb");
		if (!f) { perror(files[i]); return 1; }
		fseek(f, 0, SEEK_END); len[i] = ftell(f); fseek(f, 0, SEEK_SET);
		data[i] = malloc(len[i] + 1);
		if (fread(data[i], 1, len[i], f) != (size_t)len[i]) { fclose(f); return 1; }
		fclose(f);
	}
	FILE *null = fopen("/dev/null", "w");
	struct timespec a, b, ca, cb;
	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < n; i++) {
			XLU_Config *c = xlu_cfg_init(null, "bench");
			xlu_cfg_readdata(c, data[i], (int)len[i]);
			xlu_cfg_destroy(c);
			total += len[i];
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
	printf("%ld %.6f %.6f\n", total, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9,
	       (cb.tv_sec - ca.tv_sec) + (cb.tv_nsec - ca.tv_nsec) / 1e9);
	return 0;
}

int main(int argc, char **argv) {
	if (argc >= 3 && strcmp(argv[1], "-bench") == 0)
		return bench(atoi(argv[2]), argc - 3, argv + 3);
	if (argc < 2) return 1;
	XLU_Config *c = xlu_cfg_init(stderr, argv[1]);
	if (!c) return 1;
	if (xlu_cfg_readfile(c, argv[1])) return 2;
	for (int i = 2; i < argc; i++) {
		char key[256];
		const char *colon = strrchr(argv[i], ':');
		if (!colon || colon - argv[i] >= (long)sizeof key) return 1;
		memcpy(key, argv[i], colon - argv[i]);
		key[colon - argv[i]] = 0;
		char type = colon[1];
		const char *s;
		long l;
		XLU_ConfigList *list;
		int n;
		if (type == 's' && !xlu_cfg_get_string(c, key, &s, 1)) {
			printf("S %s %zu\n", key, strlen(s));
			fwrite(s, 1, strlen(s), stdout);
			putchar('\n');
		} else if (type == 'l' && !xlu_cfg_get_long(c, key, &l, 1)) {
			printf("N %s %ld\n", key, l);
		} else if (type == 'L' && !xlu_cfg_get_list(c, key, &list, &n, 1)) {
			printf("L %s %d\n", key, n);
			for (int j = 0; j < n; j++) {
				const char *it = xlu_cfg_get_listitem(list, j);
				put("I", it ? it : "");
			}
		} else {
			printf("M %s\n", key);
		}
	}
	xlu_cfg_destroy(c);
	return 0;
}
