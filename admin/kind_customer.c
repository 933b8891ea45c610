/*
 * kind_customer: customers. Rule 12 (a customer that still owns offers or
 * domains cannot be deleted) is the generic reference guard of objects.c.
 */
#include "kinds.h"

const struct kind kind_customer = {
    .type = REC_CUSTOMER,
    .table = STORE_CUSTOMERS,
    .ref_kind = REF_CUSTOMER,
    .listed = true,
};
