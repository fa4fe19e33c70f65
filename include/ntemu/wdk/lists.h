/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/lists.h: the WDK's doubly linked lists — LIST_ENTRY and its inline helpers
 * (InitializeListHead, IsListEmpty, InsertHeadList, InsertTailList, RemoveEntryList,
 * RemoveHeadList), re-implemented to their documented behaviour. Part of <ntemu/wdk.h>.
 */
#ifndef NTEMU_WDK_LISTS_H
#define NTEMU_WDK_LISTS_H

#include "ntemu/wdk/ntdef.h"

typedef struct _LIST_ENTRY {
  struct _LIST_ENTRY* Flink;
  struct _LIST_ENTRY* Blink;
} LIST_ENTRY, *PLIST_ENTRY;

FORCEINLINE VOID InitializeListHead(PLIST_ENTRY ListHead) {
  ListHead->Flink = ListHead;
  ListHead->Blink = ListHead;
}
FORCEINLINE BOOLEAN IsListEmpty(const LIST_ENTRY* ListHead) {
  return ListHead->Flink == ListHead ? TRUE : FALSE;
}
FORCEINLINE BOOLEAN RemoveEntryList(PLIST_ENTRY Entry) {
  PLIST_ENTRY next = Entry->Flink;
  PLIST_ENTRY previous = Entry->Blink;
  previous->Flink = next;
  next->Blink = previous;
  return next == previous ? TRUE : FALSE;
}
FORCEINLINE PLIST_ENTRY RemoveHeadList(PLIST_ENTRY ListHead) {
  PLIST_ENTRY entry = ListHead->Flink;
  RemoveEntryList(entry);
  return entry;
}
FORCEINLINE VOID InsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY Entry) {
  PLIST_ENTRY last = ListHead->Blink;
  Entry->Flink = ListHead;
  Entry->Blink = last;
  last->Flink = Entry;
  ListHead->Blink = Entry;
}
FORCEINLINE VOID InsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY Entry) {
  PLIST_ENTRY first = ListHead->Flink;
  Entry->Flink = first;
  Entry->Blink = ListHead;
  first->Blink = Entry;
  ListHead->Flink = Entry;
}

#endif /* NTEMU_WDK_LISTS_H */
