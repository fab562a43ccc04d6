/* filecopy SRC DST: copies SRC to DST with 4 KiB read/write calls, then prints the byte count.
 * System-call- and page-cache-bound (run it on tmpfs). */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: filecopy SRC DST\n"); return 2; }
    int in = open(argv[1], O_RDONLY), out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0) { perror("open"); return 1; }
    static char buf[4096];
    long long total = 0;
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0) { perror("read"); return 1; }
        if (r == 0) break;
        for (ssize_t off = 0; off < r;) {
            ssize_t w = write(out, buf + off, r - off);
            if (w <= 0) { perror("write"); return 1; }
            off += w;
        }
        total += r;
    }
    if (close(out)) { perror("close"); return 1; }
    printf("%lld\n", total);
    return 0;
}
