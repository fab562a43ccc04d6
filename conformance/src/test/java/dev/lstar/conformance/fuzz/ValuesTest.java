package dev.lstar.conformance.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The four-lane page fill writes exactly the bytes of the one-chain xorshift64 reproducers rebuild. */
class ValuesTest {
    @Test
    void laneFillIsTheSerialChain() {
        SplittableRandom r = new SplittableRandom(5);
        int[] sizes = {Layout.DATA_SIZE, Layout.STACK_SIZE, 4096, 8193, 1027, 256, 255, 7, 1, 0};
        for (int k = 0; k < 200; k++) {
            long seed = k < 3 ? new long[] {1, -1, Long.MIN_VALUE}[k] : r.nextLong();
            for (int n : sizes) assertArrayEquals(Values.fillSerial(seed, n), Values.fill(seed, n), "seed " + seed + " size " + n);
        }
        assertArrayEquals(new byte[64], Values.fill(0, 64));
    }
}
