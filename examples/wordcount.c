/* wordcount: count lines, words and bytes of every regular file in a
 * directory, like `wc`, sorted by name, with a total.
 *
 * Built for wasm32-wasi and run under wasmrt; the directory is the one the
 * host preopens for it (see run.sh) — the guest can read nothing else.
 *
 *   usage: wordcount DIR
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct counts {
    unsigned long lines, words, bytes;
} counts;

static int count_file(const char *path, counts *c) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    int ch, in_word = 0;
    while ((ch = getc(f)) != EOF) {
        c->bytes++;
        if (ch == '\n') c->lines++;
        if (isspace(ch)) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            c->words++;
        }
    }
    int err = ferror(f);
    fclose(f);
    return err ? -1 : 0;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argc ? argv[0] : "wordcount");
        return 2;
    }
    const char *dir = argv[1];
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "wordcount: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **t = realloc(names, cap * sizeof *t);
            if (!t) return 1;
            names = t;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);

    counts total = {0, 0, 0};
    int status = 0, files = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        counts c = {0, 0, 0};
        if (count_file(path, &c) != 0) {
            fprintf(stderr, "wordcount: %s: %s\n", path, strerror(errno));
            status = 1;
            continue;
        }
        printf("%7lu %7lu %7lu %s\n", c.lines, c.words, c.bytes, path);
        total.lines += c.lines;
        total.words += c.words;
        total.bytes += c.bytes;
        files++;
    }
    printf("%7lu %7lu %7lu total (%d files)\n", total.lines, total.words, total.bytes, files);
    return status;
}
