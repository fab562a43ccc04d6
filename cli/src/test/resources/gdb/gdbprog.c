#include <stdio.h>
volatile long counter; static char big[1 << 20];
int compute(int x) { return x * 3 + 1; }
int main(int argc, char **argv) {
  int s = 0;
  for (int i = 0; i < 5; i++) { counter += i; s += compute(i); }
  printf("sum %d\n", s);
  if (argc > 1 && argv[1][0] == 's') *(volatile int *)8 = 1;
  if (argc > 1 && argv[1][0] == 'l') for (;;) counter++;
  big[500000] = 1;
  return (s + big[500000] - 1) & 0x7f;
}
