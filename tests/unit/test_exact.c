/* test_exact.c - exact arithmetic (exact.h): 256-bit decimal sums (struct
 * wide), the exact double accumulators (struct xsum, struct xsq), exact
 * means, variances and interpolation.
 *
 * Expected sums come from Python's math.fsum and, for random arrays, from a
 * Shewchuk-style exact summation written here (checked against the fsum
 * table first).
 */
#include <criterion/criterion.h>

#include "testrng.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pipeline/exact.h"
#include "../../pipeline/numfmt.h"

static uint64_t dbits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

/* Generated with Python 3.11: fsum_out[i] = math.fsum(fsum_in[i][1 : 1 + n]), n = fsum_in[i][0] */
static const double fsum_in[][41] = {
    {26,
     -0x1.9058237cbbe59p+17,
     -0x1.d8b7e11bdf9e3p+93,
     -0x1.ff6fbed505ac7p-182,
     -0x1.7058a43c62302p-901,
     0x1.bf6044c9567dap-609,
     -0x1.bf6044c9567dap-609,
     -0x1.2077a9c97678ap+899,
     0x1.7058a43c62302p-901,
     0x1.a8df45687c404p+9,
     0x1.958bc502228c8p-352,
     -0x1.958bc502228c8p-352,
     0x1.ff6fbed505ac7p-182,
     -0x1.61fd6743d25d4p+701,
     -0x1.72d52d6fa81c6p-117,
     0x1.a6dbb00644c11p+79,
     0x1.2077a9c97678ap+899,
     -0x1.99195f27d0479p+41,
     0x1.72d52d6fa81c6p-117,
     -0x1.a8df45687c411p+9,
     -0x1.a6dbb00644c0ap+79,
     0x1.61fd6743d25d4p+701,
     0x1.9058237cbbe56p+17,
     0x1.ca49e5d894fdep+72,
     -0x1.ca49e5d894fd0p+72,
     0x1.d8b7e11bdf9e3p+93,
     -0x1.795eb959c1f4dp+64},
    {12, -0x1.c9958af1de338p+27, -0x1.2895991c262acp+29, -0x1.4a1f1dd046865p-675,
     0x1.4a1f1dd046865p-675, -0x1.ea3c8e8dbf6b0p-687, 0x1.c301e61579084p+19, -0x1.3641d191f74a0p-66,
     -0x1.f182f60b8ee0ep-41, -0x1.673259a80485dp-64, -0x1.0182492161ad8p+33, -0x1.2d855f1b28daap-52,
     0x1.ea3c8e8dbf6b0p-687},
    {23,
     -0x1.862bc4221f23bp-917,
     -0x1.305e7e6e23f86p+66,
     -0x1.1f749e16d19a1p+79,
     0x1.cb6b0dab80146p-759,
     0x1.305e7e6e23f8ep+66,
     0x1.9a59853bc1167p-632,
     0x1.0879e8fc2851ep-524,
     0x1.a29842e81aca5p+48,
     -0x1.0879e8fc2851ep-524,
     -0x1.cb6b0dab80146p-759,
     -0x1.7863a612ead84p+66,
     0x1.584579e5a2b62p+48,
     0x1.1f749e16d19a9p+79,
     0x1.7863a612ead8ep+66,
     -0x1.a29842e81acb0p+48,
     0x1.b055546154e24p-358,
     0x1.f23c8e9df793dp-51,
     -0x1.b055546154e24p-358,
     -0x1.3a3308612a268p-826,
     0x1.b0f35e782850ep-29,
     0x1.8a00efecda2ddp+15,
     0x1.212161c7171e6p+33,
     -0x1.9a59853bc1167p-632},
    {21,
     0x1.44da820c1fee3p+78,
     -0x1.2681a700f8c8dp-493,
     -0x1.dadbcadf3c43fp-982,
     0x1.7742e46200440p-5,
     0x1.d7e20abf299c2p-55,
     0x1.dadbcadf3c43fp-982,
     -0x1.219ba642abd63p-48,
     0x1.2681a700f8c8dp-493,
     0x1.4f655d5642b70p+49,
     0x1.5c170c0d4ee9bp-31,
     0x1.5c98fa7653e42p-22,
     -0x1.41f6c81f6e2e9p-4,
     0x1.1e7f31ca75d1dp-635,
     -0x1.28a2f770c7531p+22,
     -0x1.3cc8f26694b69p-24,
     0x1.180ddb4b96069p+56,
     0x1.9e85ebbe06474p+21,
     -0x1.180ddb4b9606bp+56,
     -0x1.7742e4620044ap-5,
     -0x1.fb3b16be43a41p+45,
     -0x1.44da820c1feddp+78},
    {20,
     -0x1.ef6066000fccap-163,
     0x1.0fbb84d80909fp+786,
     0x1.7fe568c7ed4e8p-765,
     -0x1.adac234bffe1dp+57,
     0x1.4ab38fcb10fbep-652,
     -0x1.b845ed027fcb3p+38,
     0x1.8603c19bb5b5cp+25,
     0x1.40e500c8acc7cp-45,
     0x1.c53799fc36a74p+9,
     -0x1.0fbb84d80909fp+786,
     0x1.b845ed027fcaep+38,
     0x1.01e177dbb4b42p-842,
     0x1.13e42d308269ep+55,
     0x1.1cddaaac939dap+983,
     -0x1.13e42d30826a6p+55,
     0x1.0d33d9b1cc4b6p-44,
     -0x1.1cddaaac939dap+983,
     -0x1.683d3b46f9d5ep+12,
     0x1.adac234bffe15p+57,
     -0x1.4ab38fcb10fbep-652},
    {8, -0x1.36a39f10c8207p+657, -0x1.78c67d75e1d6cp+52, -0x1.459aa37942bcep+47,
     -0x1.8d6b2acf14e7ep+828, 0x1.8d6b2acf14e7ep+828, -0x1.c673ec47d1ffap-6, 0x1.7048722347162p+55,
     0x1.36a39f10c8207p+657},
    {14, -0x1.2bf514164e14cp+48, 0x1.2bf514164e145p+48, -0x1.3d9154ef6e4f5p+527,
     -0x1.2baba6177885bp-583, 0x1.2ca0a3c9f973bp+574, 0x1.3d9154ef6e4f5p+527,
     0x1.2baba6177885bp-583, 0x1.2c95a7cce4966p+81, -0x1.fc3fc26419448p-846, -0x1.2c95a7cce495fp+81,
     0x1.e50c6625af4d6p+80, -0x1.b810f873dd120p+49, -0x1.e50c6625af4d8p+80,
     -0x1.2ca0a3c9f973bp+574},
    {32,
     0x1.4155724341b85p-13,
     -0x1.9244df40c3dbap+592,
     0x1.cdb1127ed70f6p+9,
     0x1.bc1efad1679dcp+45,
     0x1.0ec44b7e23c65p+56,
     -0x1.2b2c43f31b791p+438,
     -0x1.ec7bfc39c7a22p-883,
     0x1.50bbb02d66bd1p+46,
     -0x1.2f689ccc27875p-482,
     -0x1.40f5133beb3bfp+962,
     0x1.ec7bfc39c7a22p-883,
     0x1.89ded24fb2664p+359,
     -0x1.e2ecbdf05daa6p+22,
     0x1.9244df40c3dbap+592,
     0x1.afa2d16be6adbp+18,
     0x1.4a15596e43b15p+14,
     -0x1.33ec5cd8e4d92p+243,
     -0x1.bc1efad1679dap+45,
     0x1.0472b8adeb585p-535,
     0x1.2b2c43f31b791p+438,
     0x1.33ec5cd8e4d92p+243,
     -0x1.94889cac286a0p-7,
     -0x1.a32643bd1cd40p-61,
     -0x1.0ec44b7e23c60p+56,
     -0x1.50bbb02d66bcdp+46,
     -0x1.55b1f6de3173bp-4,
     0x1.40f5133beb3bfp+962,
     0x1.8e2570a575b5cp-31,
     -0x1.cdb1127ed7101p+9,
     0x1.2f689ccc27875p-482,
     -0x1.89ded24fb2664p+359,
     -0x1.4b34d14c3683ap+32},
    {13, 0x1.1960f6a92c014p+39, -0x1.5eb915bf1e838p+29, 0x1.41b5efa2b1ff7p-54,
     -0x1.86635c772ef6ep+28, 0x1.148259283f14ep-38, -0x1.0f3df32a59a37p-6, 0x1.412eb71214daap-625,
     0x1.9427a9e0d5621p+8, -0x1.18140771f7800p+16, -0x1.108ab678866acp-298, -0x1.743f32efc2e9fp+55,
     -0x1.412eb71214daap-625, 0x1.108ab678866acp-298},
    {33,
     -0x1.d8bcad9ee42a0p+168,
     -0x1.6dc3b9416768bp-313,
     -0x1.d77ef959f62cfp+64,
     -0x1.29e562243ef21p+29,
     0x1.0c5d077e1fd30p-193,
     0x1.29e562243ef1fp+29,
     0x1.633bd90fc19c6p+56,
     0x1.b73deec422e0dp-906,
     0x1.d8bcad9ee42a0p+168,
     0x1.2b05dd1a6c43fp-369,
     -0x1.0c5d077e1fd30p-193,
     0x1.304a8605d0870p-17,
     0x1.c1cc689c386ddp-12,
     -0x1.24b2de2e81df0p+620,
     0x1.24b2de2e81df0p+620,
     0x1.6dc3b9416768bp-313,
     0x1.49e391d560df1p-68,
     -0x1.de3fb7a57b95fp+51,
     -0x1.295527ce10a7cp-1,
     0x1.713c3b9259a3dp-697,
     0x1.295527ce10a84p-1,
     0x1.d77ef959f62c2p+64,
     -0x1.b73deec422e0dp-906,
     0x1.79121c405e434p+1,
     0x1.7b54235ec6d92p+16,
     0x1.586e73a09bfa0p+38,
     0x1.37ae31e7989f2p-791,
     -0x1.1060f66d9a9e7p-50,
     0x1.08f101e4d5a57p-55,
     -0x1.37ae31e7989f2p-791,
     -0x1.08f101e4d5a57p-55,
     -0x1.c1cc689c386ddp-12,
     -0x1.633bd90fc19c0p+56},
    {28,
     -0x1.0322c16d54a7fp+936,
     -0x1.ef05e90ed8361p-590,
     0x1.493974ac6c5a3p-105,
     0x1.ef05e90ed8361p-590,
     -0x1.3942fa5af6737p+29,
     -0x1.e3ff108448294p-70,
     0x1.3add853e4c239p-683,
     -0x1.85d4c543d41f8p+667,
     0x1.b405e023f817ap-44,
     0x1.0322c16d54a7fp+936,
     -0x1.439c3e6dee1aep+22,
     0x1.c9ff023a19e97p+47,
     -0x1.520936fbe5d6ap+673,
     -0x1.c9ff023a19ea2p+47,
     -0x1.3add853e4c239p-683,
     -0x1.5726c6024c7a7p-4,
     0x1.520936fbe5d6ap+673,
     0x1.e3ff108448294p-70,
     -0x1.49a9673051870p+33,
     0x1.439c3e6dee1b2p+22,
     -0x1.28b4f4383cba3p-589,
     0x1.2acd54cc291bfp+45,
     0x1.d674c6d85999ep-131,
     -0x1.855ee83c838fbp+933,
     0x1.855ee83c838fbp+933,
     0x1.49a9673051873p+33,
     -0x1.fd8260d5ed100p-8,
     0x1.85d4c543d41f8p+667},
    {12, -0x1.f577ec99b930bp-169, -0x1.3ddc6ab0cbadcp-1, -0x1.538a0e0570fc7p+66,
     0x1.4b2d9cd478b89p+66, -0x1.4062f375f7da6p-347, -0x1.40ed2b744afd5p-881, 0x1.41f59aef80e97p+68,
     0x1.4062f375f7da6p-347, 0x1.fa7767e75df24p+31, 0x1.3ddc6ab0cbaddp-1, -0x1.41f59aef80e96p+68,
     0x1.40ed2b744afd5p-881},
    {19,
     -0x1.ed2b8257f0e7bp+24,
     -0x1.4c490eab7d453p+567,
     0x1.22e2baf6ee61ep+490,
     0x1.ed2b8257f0e6cp+24,
     0x1.4c490eab7d453p+567,
     0x1.09aa40f7b9b8fp+126,
     0x1.68496a6c68440p+46,
     0x1.6713446bde6e5p+28,
     -0x1.cda9218de189ap-433,
     -0x1.8636d790859a7p-975,
     -0x1.8289daeca9599p-107,
     -0x1.d1ec29bd622ccp-782,
     -0x1.6713446bde6e9p+28,
     -0x1.09aa40f7b9b8fp+126,
     -0x1.22e2baf6ee61ep+490,
     0x1.26232b619097bp-1,
     -0x1.0ea1bd946dd9dp+63,
     0x1.18a97c5803facp-21,
     -0x1.68496a6c68444p+46},
    {29,
     -0x1.b48099fa86fb6p+733,
     0x1.43345f0b4a444p-17,
     -0x1.0c2bb661883efp+63,
     0x1.ad69d73920539p+407,
     0x1.b48099fa86fb6p+733,
     -0x1.6cda8fa69c47bp+33,
     -0x1.bedec30cdff54p+52,
     0x1.8a3986aedbf29p-426,
     0x1.026252bf28e9cp+453,
     0x1.0c2bb661883eap+63,
     0x1.14c193aa314fdp-193,
     0x1.6cda8fa69c471p+33,
     0x1.8df96ca02739ap-48,
     -0x1.52e7f98eb8553p-48,
     -0x1.f4b297ec4555cp+726,
     0x1.52e7f98eb8553p-48,
     -0x1.19f1a86e23274p-7,
     0x1.bedec30cdff57p+52,
     0x1.161ebd4e2c07dp+23,
     0x1.0d51e80390803p-835,
     -0x1.026252bf28e9cp+453,
     0x1.16791268f80bcp+16,
     0x1.9048bb2e1f529p+45,
     -0x1.5b430c59fa945p+36,
     -0x1.ad69d73920539p+407,
     -0x1.14c193aa314fdp-193,
     0x1.f4b297ec4555cp+726,
     -0x1.b537b30204760p-25,
     -0x1.3641e37c4b0d7p-1},
    {30,
     -0x1.e56eb568a9385p-314,
     -0x1.dedc50007ea47p-664,
     -0x1.1fb61e42b13f9p-909,
     -0x1.79134d780b5ebp+29,
     0x1.d80e718432f76p+10,
     0x1.ad9af56c6bca3p+466,
     0x1.1fb61e42b13f9p-909,
     0x1.2ebb49f6ca3ecp+66,
     -0x1.ad9af56c6bca3p+466,
     0x1.2ccd821bef7a5p-997,
     -0x1.ac3a557dd6cb9p+25,
     0x1.dedc50007ea47p-664,
     0x1.855ad98b094f3p+7,
     0x1.b6ad7fbb8e6f8p-11,
     0x1.0cf7028ef24f7p+53,
     0x1.ac3a557dd6cbep+25,
     -0x1.8cfedf1ae3b25p-984,
     -0x1.119073c69a0adp-47,
     -0x1.2ccd821bef7a5p-997,
     0x1.ac8e25426ce71p-742,
     0x1.804fbe28c565ep-138,
     -0x1.b94bae192a15cp+5,
     -0x1.d80e718432f6fp+10,
     -0x1.2ebb49f6ca3f0p+66,
     -0x1.ac8e25426ce71p-742,
     0x1.e56eb568a9385p-314,
     0x1.c6ae12796cbb1p-207,
     -0x1.ae070764ce774p-852,
     0x1.ae070764ce774p-852,
     0x1.4cdcc04e69965p-68},
    {23,
     0x1.d9c5c561b7419p-852,
     -0x1.d4d9d8eaf13aap+726,
     -0x1.6518267c020d1p+22,
     -0x1.3d40e92bb0aa6p+710,
     0x1.58743723c7a45p-68,
     -0x1.4f463497032d4p-914,
     0x1.92ebf4dc97e2bp+29,
     0x1.d4d9d8eaf13aap+726,
     0x1.f08463e0e510bp-460,
     -0x1.7a73f6165b8ffp-98,
     -0x1.95f6b65811bdep+72,
     0x1.c828a4a5cb6e1p+51,
     0x1.7a73f6165b8ffp-98,
     -0x1.af36c180048c4p-925,
     -0x1.faffa8ad06cb3p-826,
     0x1.c60301e9af922p-723,
     0x1.af36c180048c4p-925,
     0x1.95f6b65811bd6p+72,
     0x1.4f463497032d4p-914,
     0x1.3d40e92bb0aa6p+710,
     -0x1.c60301e9af922p-723,
     0x1.faffa8ad06cb3p-826,
     0x1.17b651753d2abp-67},
    {3, 0x1.249ad2594c37dp+332, 0x1.0000000000000p+0, -0x1.249ad2594c37dp+332},
    {10, 0x1.999999999999ap-4, 0x1.999999999999ap-4, 0x1.999999999999ap-4, 0x1.999999999999ap-4,
     0x1.999999999999ap-4, 0x1.999999999999ap-4, 0x1.999999999999ap-4, 0x1.999999999999ap-4,
     0x1.999999999999ap-4, 0x1.999999999999ap-4},
    {2, 0x1.0000000000000p+0, 0x1.0000000000000p-53},
    {3, 0x1.0000000000000p+0, 0x1.0000000000000p-53, 0x0.0000000000001p-1022},
    {2, 0x1.0000000000001p+0, 0x1.0000000000000p-53},
    {3, 0x0.0000000000001p-1022, 0x0.0000000000001p-1022, -0x1.0000000000000p-1022},
    {2, -0x0.0p+0, -0x0.0p+0},
};
static const double fsum_out[] = {
    -0x1.795ebc8bbbd32p+64,   /* -2.7192378908447285e+19 */
    -0x1.1b2aecd753331p+33,   /* -9501530542.649996 */
    0x1.5847fc2dab441p+48,    /* 378541173484356.06 */
    0x1.2fb1b7df326c8p+49,    /* 667830634570969.0 */
    0x1.85f9a4e96b7a2p+25,    /* 51114825.82359244 */
    0x1.3fea07d111989p+55,    /* 4.5023918431980616e+16 */
    -0x1.b8109873dd124p+49,   /* -967712786856484.5 */
    -0x1.4ba67b1b1b0a0p+32,   /* -5564168987.105621 */
    -0x1.743e1a17491ecp+55,   /* -5.23884865585519e+16 */
    -0x1.de34f431c91a3p+51,   /* -4206351946238161.5 */
    0x1.2acc1b892ebd8p+45,    /* 41066387547607.69 */
    -0x1.0b8e26171e966p+61,   /* -2.4099236169448684e+18 */
    -0x1.0ea1bd946dd9dp+63,   /* -9.75053815334338e+18 */
    0x1.8f9b1e07e1262p+45,    /* 54921420405796.766 */
    0x1.0cf70115d7065p+53,    /* 9463359723987146.0 */
    0x1.c828aad652805p+51,    /* 4012415737041922.5 */
    0x1.0000000000000p+0,     /* 1.0 */
    0x1.0000000000000p+0,     /* 1.0 */
    0x1.0000000000000p+0,     /* 1.0 */
    0x1.0000000000001p+0,     /* 1.0000000000000002 */
    0x1.0000000000002p+0,     /* 1.0000000000000004 */
    -0x0.ffffffffffffep-1022, /* -2.2250738585072004e-308 */
    0x0.0p+0,                 /* 0.0 */
};

/* ---- struct wide: 256-bit exact decimal sums ---- */

static const char *wide_text(const struct wide *w, int scale, char *buf)
{
    size_t n = exact_wide_fmt_dec(buf, w, scale);
    cr_assert_eq(n, strlen(buf));
    return buf;
}

/* Values of any size that cancel except for a small target, added in any
 * order (the running sum leaves 128 bits on the way): the target, as text
 * (against num_fmt_dec) and as a double (against strtod). */
Test(exact, wide_sum_cancels_exactly)
{
    uint64_t seed = 3;
    for (int t = 0; t < 2000; t++) {
        i128 v[130];
        size_t k = 1 + rng_below(&seed, 64), n = 0;
        for (size_t i = 0; i < k; i++) {
            unsigned __int128 r = (unsigned __int128)rng_next(&seed) << 64 | rng_next(&seed);
            i128 x = (i128)(r >> (1 + rng_below(&seed, 127))); /* 0 <= x < 2^127 */
            if (rng_next(&seed) & 1)
                x = -x;
            v[n++] = x;
            v[n++] = -x;
        }
        i128 target = (i128)(rng_next(&seed) >> 1) - (i128)(rng_next(&seed) >> 1);
        if (t % 3 == 0)
            target *= (i128)1 << 60; /* beyond 64 bits */
        v[n++] = target;
        for (size_t i = n; i > 1; i--) {
            size_t j = rng_below(&seed, i);
            i128 tmp = v[i - 1];
            v[i - 1] = v[j];
            v[j] = tmp;
        }
        struct wide sum = {{0, 0, 0, 0}}, merged = {{0, 0, 0, 0}}, part = {{0, 0, 0, 0}};
        size_t cut = rng_below(&seed, n + 1);
        for (size_t i = 0; i < n; i++) {
            exact_wide_add_i128(&sum, v[i]);
            exact_wide_add_i128(i < cut ? &merged : &part, v[i]);
        }
        exact_wide_add(&merged, &part);
        char a[100], b[100], c[100];
        int scale = (int)rng_below(&seed, NUM_MAX_SCALE + 1);
        num_fmt_dec(c, target, scale);
        cr_assert_str_eq(wide_text(&sum, scale, a), c);
        cr_assert_str_eq(wide_text(&merged, scale, b), c);
        cr_assert(exact_wide_to_double(&sum, scale) == strtod(c, NULL), "%s", c);
    }
}

Test(exact, wide_beyond_128_bits)
{
    char buf[100];
    const i128 m = num_pow10(38) - 1;
    struct wide w = {{0, 0, 0, 0}};
    for (int i = 0; i < 3; i++)
        exact_wide_add_i128(&w, m);
    cr_assert_str_eq(wide_text(&w, 0, buf), "299999999999999999999999999999999999997");
    cr_assert_str_eq(wide_text(&w, 1, buf), "29999999999999999999999999999999999999.7");
    cr_assert(exact_wide_to_double(&w, 0) == 299999999999999999999999999999999999997.0);
    cr_assert(exact_wide_mul_pow10(&w, 30));
    cr_assert_str_eq(wide_text(&w, 30, buf),
                     "299999999999999999999999999999999999997.000000000000000000000000000000");

    struct wide n = {{0, 0, 0, 0}};
    for (int i = 0; i < 4; i++)
        exact_wide_add_i128(&n, -m);
    cr_assert_str_eq(wide_text(&n, 0, buf), "-399999999999999999999999999999999999996");
    cr_assert(exact_wide_to_double(&n, 2) == -3999999999999999999999999999999999999.96);
    for (int i = 0; i < 4; i++)
        exact_wide_add_i128(&n, m);
    cr_assert_str_eq(wide_text(&n, 2, buf), "0.00");

    struct wide f = {{0, 0, 0, 0}};
    exact_wide_add_i128(&f, -5);
    cr_assert_str_eq(wide_text(&f, 2, buf), "-0.05");
    cr_assert(exact_wide_mul_pow10(&f, 3));
    cr_assert_str_eq(wide_text(&f, 5, buf), "-0.05000");

    /* 10^76 fits 255 bits, 10^77 does not */
    struct wide big = {{0, 0, 0, 0}};
    exact_wide_add_i128(&big, -1);
    cr_assert(exact_wide_mul_pow10(&big, 38));
    cr_assert(exact_wide_mul_pow10(&big, 38));
    cr_assert_str_eq(
        wide_text(&big, 0, buf),
        "-10000000000000000000000000000000000000000000000000000000000000000000000000000");
    cr_assert(!exact_wide_mul_pow10(&big, 1));
}

/* ---- xsum ---- */

/* Exactly rounded sum by Shewchuk's non-overlapping partials (the method of
 * Python's math.fsum), independent of struct xsum. No intermediate may
 * overflow: callers keep |values| <= 1e300 and n small. */
static double fsum_ref(const double *x, size_t n)
{
    double p[64];
    size_t np = 0;
    for (size_t k = 0; k < n; k++) {
        double v = x[k];
        size_t i = 0;
        for (size_t j = 0; j < np; j++) {
            double y = p[j];
            if (fabs(v) < fabs(y)) {
                double t = v;
                v = y;
                y = t;
            }
            double hi = v + y;
            double lo = y - (hi - v);
            if (lo != 0)
                p[i++] = lo;
            v = hi;
        }
        cr_assert_lt(i, 64);
        p[i++] = v;
        np = i;
    }
    double hi = 0, lo = 0;
    if (np) {
        hi = p[--np];
        while (np) {
            double v = hi, y = p[--np];
            hi = v + y;
            double yr = hi - v;
            lo = y - yr;
            if (lo != 0)
                break;
        }
        /* half-way case: make the rounding of hi + lo right */
        if (np && ((lo < 0 && p[np - 1] < 0) || (lo > 0 && p[np - 1] > 0))) {
            double y = lo * 2;
            double v = hi + y;
            double yr = v - hi;
            if (y == yr)
                hi = v;
        }
    }
    return hi;
}

static double xsum_of(const double *x, size_t n)
{
    struct xsum s;
    exact_xsum_init(&s);
    for (size_t i = 0; i < n; i++)
        exact_xsum_add(&s, x[i]);
    return exact_xsum_round(&s);
}

static void expect_same_double(double got, double want, const char *what, size_t i)
{
    cr_assert(dbits(got) == dbits(want) || (got == 0 && want == 0),
              "%s %zu: %a (%.17g), expected %a (%.17g)", what, i, got, got, want, want);
}

Test(exact, xsum_matches_python_fsum)
{
    for (size_t i = 0; i < sizeof fsum_out / sizeof fsum_out[0]; i++) {
        size_t n = (size_t)fsum_in[i][0];
        const double *x = &fsum_in[i][1];
        expect_same_double(fsum_ref(x, n), fsum_out[i], "reference sum of case", i);
        expect_same_double(xsum_of(x, n), fsum_out[i], "xsum of case", i);
    }
}

Test(exact, xsum_classic_cases)
{
    const double a[] = {1e100, 1.0, -1e100};
    cr_assert_eq(xsum_of(a, 3), 1.0);
    double b[10];
    for (int i = 0; i < 10; i++)
        b[i] = 0.1;
    cr_assert_eq(xsum_of(b, 10), 1.0);
    /* past the double range on the way, back inside at the end */
    const double c[] = {1e308, 1e308, -1e308};
    cr_assert_eq(xsum_of(c, 3), 1e308);
    const double d[] = {1.7976931348623157e308, 1.7976931348623157e308, -1.7976931348623157e308,
                        -1.7976931348623157e308, 5e-324};
    cr_assert_eq(xsum_of(d, 5), 5e-324);
    /* ties to even, and a sticky bit far below breaking the tie */
    const double e[] = {1.0, 0x1p-53};
    cr_assert_eq(xsum_of(e, 2), 1.0);
    const double f[] = {1.0, 0x1p-53, 0x1p-1074};
    cr_assert_eq(xsum_of(f, 3), 1.0 + 0x1p-52);
    const double g[] = {1.0 + 0x1p-52, 0x1p-53};
    cr_assert_eq(xsum_of(g, 2), 1.0 + 0x1p-51);
    const double h[] = {-1.0, -0x1p-53, -0x1p-1074};
    cr_assert_eq(xsum_of(h, 3), -1.0 - 0x1p-52);
    cr_assert_eq(xsum_of(NULL, 0), 0.0);
    const double z[] = {5e-324, -5e-324};
    cr_assert_eq(xsum_of(z, 2), 0.0);
}

/* Random arrays, mixed magnitudes and signs with many (near) cancellations:
 * the exactly rounded sum, whatever the order of the additions and however
 * they are split into accumulators merged in any order. */
static double rand_value(uint64_t *seed)
{
    uint64_t r = rng_next(seed);
    double m = (double)(r >> 11) * 0x1p-53; /* [0, 1) */
    int e;
    switch (rng_below(seed, 4)) {
    case 0:
        e = (int)rng_below(seed, 1995) - 997; /* about 1e-300 .. 1e300 */
        break;
    case 1: e = (int)rng_below(seed, 120) - 60; break;
    case 2:
        e = (int)rng_below(seed, 40) - 1074 + 52; /* subnormals and the smallest normals */
        m = (double)(r >> 11);
        return (r & 1 ? -1 : 1) * ldexp(m, e - 52);
    default: e = (int)rng_below(seed, 200) - 100; break;
    }
    return (r & 1 ? -1 : 1) * ldexp(m, e);
}

Test(exact, xsum_order_and_split_independent)
{
    uint64_t seed = 99;
    double x[256], y[256];
    for (int t = 0; t < 3000; t++) {
        size_t n = 1 + rng_below(&seed, 200);
        size_t i = 0;
        while (i < n) {
            double v = rand_value(&seed);
            x[i++] = v;
            size_t k = rng_below(&seed, 4);
            if (k == 0 && i < n)
                x[i++] = -v; /* exact cancellation */
            else if (k == 1 && i < n)
                x[i++] = -v *
                         (1 + 0x1p-52 * (double)(1 + rng_below(&seed, 8))); /* near cancellation */
        }
        /* cancel a random earlier value now and then */
        for (size_t j = 0; j < n / 4; j++)
            x[rng_below(&seed, n)] = -x[rng_below(&seed, n)];
        double want = fsum_ref(x, n);
        expect_same_double(xsum_of(x, n), want, "random array", (size_t)t);

        /* shuffled */
        memcpy(y, x, n * sizeof *x);
        for (size_t j = n; j > 1; j--) {
            size_t k = rng_below(&seed, j);
            double tmp = y[j - 1];
            y[j - 1] = y[k];
            y[k] = tmp;
        }
        expect_same_double(xsum_of(y, n), want, "shuffled array", (size_t)t);

        /* split into pieces (some empty), merged in a random order and grouping */
        size_t np = 1 + rng_below(&seed, 8);
        struct xsum parts[8];
        for (size_t j = 0; j < np; j++)
            exact_xsum_init(&parts[j]);
        for (size_t j = 0; j < n; j++)
            exact_xsum_add(&parts[rng_below(&seed, np)], y[j]);
        size_t live = np;
        while (live > 1) {
            size_t a = rng_below(&seed, live), b = rng_below(&seed, live - 1);
            if (b >= a)
                b++;
            exact_xsum_merge(&parts[a], &parts[b]);
            parts[b] = parts[live - 1];
            live--;
        }
        expect_same_double(exact_xsum_round(&parts[0]), want, "merged array", (size_t)t);
    }
}

/* Merging leaves from unchanged, and merging a copy twice doubles the sum. */
Test(exact, xsum_merge_keeps_source)
{
    struct xsum a, b;
    exact_xsum_init(&a);
    exact_xsum_init(&b);
    exact_xsum_add(&b, 0.1);
    exact_xsum_add(&b, 1e-300);
    exact_xsum_add(&a, 1.0);
    struct xsum copy = b;
    exact_xsum_merge(&a, &b);
    cr_assert_eq(exact_xsum_round(&b), exact_xsum_round(&copy));
    exact_xsum_merge(&a, &b);
    const double want[] = {1.0, 0.1, 1e-300, 0.1, 1e-300};
    cr_assert_eq(exact_xsum_round(&a), fsum_ref(want, 5));
}

/* ---- issue 11: exact means, variances and interpolation ---- */

static struct wide wide_of(i128 v)
{
    struct wide w = {{0, 0, 0, 0}};
    exact_wide_add_i128(&w, v);
    return w;
}

/* Decimals and reals together, exact: 123456789.123 twice (as an exact
 * decimal sum) has variance 0; with 1e0 (a real) added, the answer is the
 * exact one rounded once. */
Test(exact, exact_variance_mixes_decimals_and_reals)
{
    struct wide s1 = wide_of((i128)123456789123 * 2), s2 = {{0, 0, 0, 0}};
    exact_wide_add_square(&s2, (i128)123456789123);
    exact_wide_add_square(&s2, (i128)123456789123);
    struct xsum x1;
    struct xsq x2;
    exact_xsum_init(&x1);
    exact_xsq_init(&x2);
    cr_assert_eq((double)exact_variance(&s1, &s2, 3, &x1, &x2, 2), 0.0);
    exact_xsum_add(&x1, 1.0);
    exact_xsq_add_square(&x2, 1.0);
    /* Python: statistics.variance([Fraction("123456789.123")] * 2 + [1]), and the mean */
    cr_assert_eq((double)exact_variance(&s1, &s2, 3, &x1, &x2, 3), 5080526177882438.0, "%.17g",
                 (double)exact_variance(&s1, &s2, 3, &x1, &x2, 3));
    cr_assert_eq(exact_mean(&s1, 3, &x1, 3), 82304526.41533333, "%.17g",
                 exact_mean(&s1, 3, &x1, 3));
}

/* Squares beyond the double range, and below it, are exact. */
Test(exact, xsq_holds_every_square)
{
    struct wide z = {{0, 0, 0, 0}};
    struct xsum x1;
    struct xsq x2;
    exact_xsum_init(&x1);
    exact_xsq_init(&x2);
    double v[] = {1e200, 1e200, 1e308, -1e308, 1e-300, 3e-300};
    for (int i = 0; i < 2; i++) {
        exact_xsum_add(&x1, v[i]);
        exact_xsq_add_square(&x2, v[i]);
    }
    cr_assert_eq((double)exact_variance(&z, &z, 0, &x1, &x2, 2), 0.0);
    cr_assert_eq(exact_mean(&z, 0, &x1, 2), 1e200);
    exact_xsum_init(&x1);
    exact_xsq_init(&x2);
    for (int i = 2; i < 4; i++) {
        exact_xsum_add(&x1, v[i]);
        exact_xsq_add_square(&x2, v[i]);
    }
    long double var = exact_variance(&z, &z, 0, &x1, &x2, 2); /* 2e616 */
    cr_assert(isinf((double)var) && isfinite(var), "%Lg", var);
    cr_assert_eq((double)sqrtl(var), 1.4142135623730951e308, "%.17g", (double)sqrtl(var));
    exact_xsum_init(&x1);
    exact_xsq_init(&x2);
    for (int i = 4; i < 6; i++) {
        exact_xsum_add(&x1, v[i]);
        exact_xsq_add_square(&x2, v[i]);
    }
    var = exact_variance(&z, &z, 0, &x1, &x2,
                         2); /* 2e-600: below doubles, not below long doubles */
    cr_assert_eq((double)sqrtl(var), 1.4142135623730952e-300, "%.17g", (double)sqrtl(var));
    /* three 1.7e308: the sum is past DBL_MAX, the mean is not */
    exact_xsum_init(&x1);
    for (int i = 0; i < 3; i++)
        exact_xsum_add(&x1, 1.7e308);
    cr_assert_eq(exact_mean(&z, 0, &x1, 3), 1.7e308);
}

static struct num num_of(const char *s)
{
    struct num n;
    cr_assert_neq(num_parse((const uint8_t *)s, strlen(s), &n), NUM_NONE, "%s", s);
    return n;
}

Test(exact, interpolation_is_exact)
{
    struct num a = num_of("-1000000000.0"), b = num_of("1000000000.2");
    cr_assert_eq(exact_interp(&a, &b, 50, 2), 0.1);
    cr_assert_eq(exact_interp(&a, &b, 25, 2), -499999999.95);
    cr_assert_eq(exact_interp(&a, &b, 0, 2), -1e9);
    struct num c = num_of("-1.7e308"), d = num_of("1.7e308");
    cr_assert_eq(exact_interp(&c, &d, 50, 2), 0.0);
    cr_assert_eq(exact_interp(&c, &d, 75, 2), 8.5e307);
    /* a decimal and a real: 0.1 + (0.3 - 0.1) * 0.3 with 0.3 the double */
    struct num e = num_of("0.1"), f = num_of("3e-1");
    cr_assert_eq(exact_interp(&e, &f, 3, 1), 0.16);
    /* mantissas past 128 bits when scaled */
    struct num g = num_of("99999999999999999999999999999999999999"),
               h = num_of("0.00000000000000000000000000001");
    cr_assert_eq(exact_interp(&g, &h, 5, 1), 5e37);
}
