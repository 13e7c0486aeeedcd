/* A PKCS#11 module that behaves like a hardware token's PIN: SoftHSM2 underneath, a retry counter on top.
 *
 * SoftHSM2 keeps no retry counter and never reports CKF_USER_PIN_COUNT_LOW, _FINAL_TRY or _LOCKED, so
 * the PIN states bhxh-desk shows (ok, low, final try, locked) cannot be tested on it. This shim forwards
 * every call to libsofthsm2.so through its C_GetFunctionList and changes four of them:
 *
 *   C_GetSlotInfo   says CKF_HW_SLOT | CKF_REMOVABLE_DEVICE, as a USB reader's slot does (a slot that
 *                   keeps a counter, so "no flag" means "no wrong try", not "no counter");
 *   C_GetTokenInfo  sets the three user-PIN flags from the counter;
 *   C_Login         counts a CKR_PIN_INCORRECT, answers CKR_PIN_LOCKED at zero without asking SoftHSM,
 *                   and resets the counter on success;
 *   C_InitPIN       (the security officer's unlock) resets it too.
 *
 * The counter lives in a file per token serial in $PIN_SHIM_STATE, so it survives the helper process as
 * a real token's does; $PIN_SHIM_TRIES is the number of tries (3 by default); $PIN_SHIM_TARGET the
 * module underneath. With $PIN_SHIM_PASSTHROUGH set, nothing is changed (a token with no counter).
 * Only the tests use it (tests/test_pin_states.py compiles it with gcc); it needs no PKCS#11 headers.
 */

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned long CK_ULONG;
typedef CK_ULONG CK_RV;
typedef CK_ULONG CK_FLAGS;
typedef CK_ULONG CK_SLOT_ID;
typedef CK_ULONG CK_SESSION_HANDLE;
typedef CK_ULONG CK_USER_TYPE;
typedef unsigned char CK_BYTE;

typedef struct { CK_BYTE major, minor; } CK_VERSION;

typedef struct {
    CK_BYTE slotDescription[64];
    CK_BYTE manufacturerID[32];
    CK_FLAGS flags;
    CK_VERSION hardwareVersion, firmwareVersion;
} CK_SLOT_INFO;

typedef struct {
    CK_BYTE label[32];
    CK_BYTE manufacturerID[32];
    CK_BYTE model[16];
    CK_BYTE serialNumber[16];
    CK_FLAGS flags;
    CK_ULONG ulMaxSessionCount, ulSessionCount, ulMaxRwSessionCount, ulRwSessionCount;
    CK_ULONG ulMaxPinLen, ulMinPinLen, ulTotalPublicMemory, ulFreePublicMemory;
    CK_ULONG ulTotalPrivateMemory, ulFreePrivateMemory;
    CK_VERSION hardwareVersion, firmwareVersion;
    CK_BYTE utcTime[16];
} CK_TOKEN_INFO;

typedef struct {
    CK_SLOT_ID slotID;
    CK_ULONG state;
    CK_FLAGS flags;
    CK_ULONG ulDeviceError;
} CK_SESSION_INFO;

/* CK_FUNCTION_LIST of PKCS#11 v2.x: a version and 68 function pointers, in the standard's order. */
#define N_FUNCTIONS 68
enum { F_GET_FUNCTION_LIST = 3, F_GET_SLOT_INFO = 5, F_GET_TOKEN_INFO = 6, F_INIT_PIN = 10,
       F_GET_SESSION_INFO = 15, F_LOGIN = 18 };
typedef struct {
    CK_VERSION version;
    void *fn[N_FUNCTIONS];
} CK_FUNCTION_LIST;

typedef CK_RV (*get_function_list_t)(CK_FUNCTION_LIST **);
typedef CK_RV (*get_slot_info_t)(CK_SLOT_ID, CK_SLOT_INFO *);
typedef CK_RV (*get_token_info_t)(CK_SLOT_ID, CK_TOKEN_INFO *);
typedef CK_RV (*get_session_info_t)(CK_SESSION_HANDLE, CK_SESSION_INFO *);
typedef CK_RV (*login_t)(CK_SESSION_HANDLE, CK_USER_TYPE, CK_BYTE *, CK_ULONG);
typedef CK_RV (*init_pin_t)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG);

#define CKR_OK 0x0UL
#define CKR_GENERAL_ERROR 0x5UL
#define CKR_PIN_INCORRECT 0xA0UL
#define CKR_PIN_LOCKED 0xA4UL
#define CKR_USER_ALREADY_LOGGED_IN 0x100UL
#define CKU_USER 1UL
#define CKU_CONTEXT_SPECIFIC 2UL
#define CKF_REMOVABLE_DEVICE 0x2UL
#define CKF_HW_SLOT 0x4UL
#define CKF_USER_PIN_COUNT_LOW 0x10000UL
#define CKF_USER_PIN_FINAL_TRY 0x20000UL
#define CKF_USER_PIN_LOCKED 0x40000UL

static CK_FUNCTION_LIST *real;
static CK_FUNCTION_LIST shim;
static int passthrough;

static int max_tries(void) {
    const char *s = getenv("PIN_SHIM_TRIES");
    int n = s ? atoi(s) : 3;
    return n > 0 ? n : 3;
}

/* The counter's file: $PIN_SHIM_STATE/<serial>.tries, the serial without its padding. */
static int state_path(const CK_BYTE serial[16], char *out, size_t size) {
    const char *dir = getenv("PIN_SHIM_STATE");
    char name[17];
    int n = 16;
    if (!dir || !*dir) return 0;
    memcpy(name, serial, 16);
    while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\0')) n--;
    name[n] = '\0';
    for (int i = 0; i < n; i++)
        if (name[i] == '/' || name[i] == '.') name[i] = '_';
    return snprintf(out, size, "%s/%s.tries", dir, name) < (int)size;
}

static int remaining(const CK_BYTE serial[16]) {
    char path[4096];
    int n = max_tries();
    FILE *f;
    if (!state_path(serial, path, sizeof path) || !(f = fopen(path, "r"))) return n;
    if (fscanf(f, "%d", &n) != 1) n = max_tries();
    fclose(f);
    return n < 0 ? 0 : n;
}

static void set_remaining(const CK_BYTE serial[16], int n) {
    char path[4096], tmp[4200];
    FILE *f;
    if (!state_path(serial, path, sizeof path)) return;
    snprintf(tmp, sizeof tmp, "%s.part", path);
    if (!(f = fopen(tmp, "w"))) return;
    fprintf(f, "%d\n", n);
    if (fclose(f) == 0) rename(tmp, path);
}

static CK_RV serial_of_session(CK_SESSION_HANDLE session, CK_BYTE serial[16]) {
    CK_SESSION_INFO si;
    CK_TOKEN_INFO ti;
    CK_RV rv = ((get_session_info_t)real->fn[F_GET_SESSION_INFO])(session, &si);
    if (rv != CKR_OK) return rv;
    rv = ((get_token_info_t)real->fn[F_GET_TOKEN_INFO])(si.slotID, &ti);
    if (rv == CKR_OK) memcpy(serial, ti.serialNumber, 16);
    return rv;
}

static CK_RV shim_get_slot_info(CK_SLOT_ID slot, CK_SLOT_INFO *info) {
    CK_RV rv = ((get_slot_info_t)real->fn[F_GET_SLOT_INFO])(slot, info);
    if (rv == CKR_OK && info) info->flags |= CKF_HW_SLOT | CKF_REMOVABLE_DEVICE;
    return rv;
}

static CK_RV shim_get_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO *info) {
    CK_RV rv = ((get_token_info_t)real->fn[F_GET_TOKEN_INFO])(slot, info);
    int left, n = max_tries();
    if (rv != CKR_OK || !info) return rv;
    left = remaining(info->serialNumber);
    info->flags &= ~(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED);
    if (left <= 0) info->flags |= CKF_USER_PIN_LOCKED;
    else if (left == 1) info->flags |= CKF_USER_PIN_FINAL_TRY | (n > 1 ? CKF_USER_PIN_COUNT_LOW : 0);
    else if (left < n) info->flags |= CKF_USER_PIN_COUNT_LOW;
    return rv;
}

static CK_RV shim_login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_BYTE *pin, CK_ULONG len) {
    CK_BYTE serial[16];
    CK_RV rv;
    int left;
    if (user != CKU_USER && user != CKU_CONTEXT_SPECIFIC)
        return ((login_t)real->fn[F_LOGIN])(session, user, pin, len);
    rv = serial_of_session(session, serial);
    if (rv != CKR_OK) return rv;
    left = remaining(serial);
    if (left <= 0) return CKR_PIN_LOCKED;             /* SoftHSM is not asked: the PIN is never tried */
    rv = ((login_t)real->fn[F_LOGIN])(session, user, pin, len);
    if (rv == CKR_PIN_INCORRECT) set_remaining(serial, left - 1);
    else if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) set_remaining(serial, max_tries());
    return rv;
}

static CK_RV shim_init_pin(CK_SESSION_HANDLE session, CK_BYTE *pin, CK_ULONG len) {
    CK_BYTE serial[16];
    CK_RV rv = ((init_pin_t)real->fn[F_INIT_PIN])(session, pin, len);
    if (rv == CKR_OK && serial_of_session(session, serial) == CKR_OK) set_remaining(serial, max_tries());
    return rv;
}

static CK_RV shim_get_function_list(CK_FUNCTION_LIST **list);

static CK_RV load(void) {
    const char *target = getenv("PIN_SHIM_TARGET");
    void *handle;
    get_function_list_t get;
    if (real) return CKR_OK;
    handle = dlopen(target && *target ? target : "/usr/lib/softhsm/libsofthsm2.so", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        fprintf(stderr, "pkcs11_pin_shim: %s\n", dlerror());
        return CKR_GENERAL_ERROR;
    }
    get = (get_function_list_t)dlsym(handle, "C_GetFunctionList");
    if (!get || get(&real) != CKR_OK || !real) {
        real = NULL;
        return CKR_GENERAL_ERROR;
    }
    shim = *real;
    passthrough = getenv("PIN_SHIM_PASSTHROUGH") != NULL;
    shim.fn[F_GET_FUNCTION_LIST] = (void *)shim_get_function_list;
    if (!passthrough) {
        shim.fn[F_GET_SLOT_INFO] = (void *)shim_get_slot_info;
        shim.fn[F_GET_TOKEN_INFO] = (void *)shim_get_token_info;
        shim.fn[F_LOGIN] = (void *)shim_login;
        shim.fn[F_INIT_PIN] = (void *)shim_init_pin;
    }
    return CKR_OK;
}

static CK_RV shim_get_function_list(CK_FUNCTION_LIST **list) {
    CK_RV rv = load();
    if (rv != CKR_OK) return rv;
    if (!list) return 0x7UL;          /* CKR_ARGUMENTS_BAD */
    *list = &shim;
    return CKR_OK;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST **list) {
    return shim_get_function_list(list);
}
