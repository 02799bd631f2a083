// Package pvscsi is xendshim's PVSCSI device controller for a real Xen
// host: it does what xend's vscsiif controller did, on today's Linux, where
// the upstream xen-scsiback driver exports LUNs through the kernel's SCSI
// target framework (configfs) instead of passing host devices through.
//
// For every LUN a guest is given, the controller
//
//  1. records its intent in an on-disk journal (one file per LUN);
//  2. creates the kernel target in configfs (/sys/kernel/config/target):
//     a backstore (iblock for a block device such as /dev/sdb or the
//     device behind H:C:T:L, fileio for a regular file), a xen-pvscsi
//     target port "naa.<16 hex>" with portal group tpgt_1, LUN lun_0
//     linked to the backstore, and the I_T nexus;
//  3. writes the xenstore nodes xen-scsiback and xen-scsifront read
//     (Xen's include/public/io/vscsiif.h): the backend directory
//     /local/domain/0/backend/vscsi/<domid>/<devid> with frontend,
//     frontend-id, online, state, feature-host and
//     vscsi-devs/dev-<n>/{p-dev,p-devname,v-dev,devid,state}, where p-dev is
//     "<target port>:<lun>" as scsiback looks it up; and the frontend
//     directory /local/domain/<domid>/device/vscsi/<devid> with backend,
//     backend-id and state;
//  4. drives the xenbus state machine: a new controller waits until
//     every LUN is Connected, or, if no frontend shows up within
//     Options.FrontendGrace (a paused guest, one without xen-scsifront),
//     until the backend is in InitWait; a LUN added to a connected controller goes in
//     through Reconfiguring/Reconfigured, and a LUN is removed by setting
//     its state to Closing and the controller to Reconfiguring, as the two
//     drivers expect;
//  5. marks the journal entry exported.
//
// Detach undoes these steps in reverse order; a failed step during attach
// undoes the steps done before it. Reconcile, run when xendshim starts,
// reads the journal: a LUN whose attach had not finished (a crash between
// the configfs and xenstore steps) is undone, never left half exported; a
// LUN whose detach had begun is finished; a LUN of a domain that is gone
// is torn down. DomainGone (and Watch, on @releaseDomain) does the same
// when a domain is destroyed.
//
// Not supported: xend's feature-host (passing a whole host adapter
// through), which upstream xen-scsiback does not implement.
package pvscsi
