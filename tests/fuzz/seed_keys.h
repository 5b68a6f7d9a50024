// Written by tests/fuzz/make_seeds.sh; do not edit. The federation the seed corpora of
// tests/fuzz/corpus were made with: its private keys (test keys of nothing but these seeds, never
// used elsewhere), and AZ's log as its log key signed it. The harnesses verify with these keys and
// check that whatever verifies is what these keys signed.
#ifndef OTS_TESTS_FUZZ_SEED_KEYS_H_
#define OTS_TESTS_FUZZ_SEED_KEYS_H_

namespace ots::fuzz {

inline constexpr char kSeedFederation[] = "ots-fuzz";

inline constexpr char kSeedBundleKey[] = R"(
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIPUY3/+6RmPWdSsMarDVQpwKI+Gvg3hhg5FbHB1Vwk0D
-----END PRIVATE KEY-----)";

inline constexpr char kSeedAzLogKey[] = R"(
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJQMlluDN+Pvb48JjRZ+kaBGJ0JSqXqbQ8yEmU7K53rW
-----END PRIVATE KEY-----)";

struct SeedWitnessKey {
  const char* member;
  const char* key_pem;
};
inline constexpr SeedWitnessKey kSeedWitnessKeys[] = {
    {"AZ", R"(
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIA3Xy8YqfnGoxn9PwSJHKIOGnYFLuto2+hdBZlIe1iAN
-----END PRIVATE KEY-----)"},
    {"KZ", R"(
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIAEaS2Lawyyq/1hIql0/yuprIfrZEXGxbGPa4AHtAv9V
-----END PRIVATE KEY-----)"},
    {"UZ", R"(
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEICsMpgDpoR1AHExWnGOWemqyno+3l/F3+66cZebc5b2b
-----END PRIVATE KEY-----)"},
    {"OTS", R"(
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIFdBLNXQQftzv28AF1omGg2VtAIVTNEkvAOT2Kbm/6m5
-----END PRIVATE KEY-----)"},
};

// AZ's log, entry by entry: the SHA-256 (hex) of the header text, and the cell lines of the
// return, sorted (the leaves of its cells root), each followed by a newline.
struct SeedLogEntry {
  const char* header_sha256;
  const char* cells;
};
inline constexpr SeedLogEntry kSeedAzLog[] = {
    {"8f85c3b9b52eebc2fb56816539303ea0967bb18a6ffa20ed14effbb60e7051f3",
     R"(AZ,2015,KG,_T,F,_T,1317,A,F,STK
AZ,2015,KG,_T,M,_T,1239,A,F,STK
AZ,2015,KG,_T,_T,_T,2556,A,F,STK
AZ,2015,KZ,_T,F,_T,2107,A,F,STK
AZ,2015,KZ,_T,M,_T,1514,A,F,STK
AZ,2015,KZ,_T,_T,_T,3621,A,F,STK
AZ,2015,TM,_T,F,_T,963,A,F,STK
AZ,2015,TM,_T,M,_T,761,A,F,STK
AZ,2015,TM,_T,_T,_T,1724,A,F,STK
AZ,2015,TR,_T,F,_T,543,A,F,STK
AZ,2015,TR,_T,M,_T,1578,A,F,STK
AZ,2015,TR,_T,_T,_T,2121,A,F,STK
AZ,2015,UZ,_T,F,_T,8811,A,F,STK
AZ,2015,UZ,_T,M,_T,8219,A,F,STK
AZ,2015,UZ,_T,_T,_T,17030,A,F,STK
)"},
    {"17356ad754998ddfc0791f369e22a1b3bdfda6b0a275f75dc816ca658837968f",
     R"(AZ,2020,KG,_T,F,_T,1254,A,F,STK
AZ,2020,KG,_T,M,_T,1184,A,F,STK
AZ,2020,KG,_T,_T,_T,2438,A,F,STK
AZ,2020,KZ,_T,F,_T,2007,A,F,STK
AZ,2020,KZ,_T,M,_T,1449,A,F,STK
AZ,2020,KZ,_T,_T,_T,3456,A,F,STK
AZ,2020,TM,_T,F,_T,917,A,F,STK
AZ,2020,TM,_T,M,_T,727,A,F,STK
AZ,2020,TM,_T,_T,_T,1644,A,F,STK
AZ,2020,TR,_T,F,_T,516,A,F,STK
AZ,2020,TR,_T,M,_T,1507,A,F,STK
AZ,2020,TR,_T,_T,_T,2023,A,F,STK
AZ,2020,UZ,_T,F,_T,8398,A,F,STK
AZ,2020,UZ,_T,M,_T,7856,A,F,STK
AZ,2020,UZ,_T,_T,_T,16254,A,F,STK
)"},
};

}  // namespace ots::fuzz

#endif  // OTS_TESTS_FUZZ_SEED_KEYS_H_
