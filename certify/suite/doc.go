// Package suite is the app certification suite: the checks (one per app
// rule), the steps of the scenarios in features/, and the world each
// scenario runs in. The fake marketplace (fakes/marketplace) sends the
// requests and its judges say what broke; the reference model decides what
// the marketplace sends; this package holds the app to what it was told
// and turns the judges' findings into verdicts (certify/result).
//
// # Checks and sub-checks
//
// A Check is data: its rule, the surfaces (extension kinds) and sharing
// modes it applies to, whether its story is about serving a viewer, and
// which exchanges can decide it. For a manifest, Check.Surfaces says where
// it runs: every declared kind among its Kinds (or the app as a whole when
// it has none), nothing (N/A) when no kind or mode of it is declared. Each
// scenario tagged with the rule runs one sub-check per surface, each with
// its own verdict: FAIL when a judge found the rule broken on it, SKIP when
// an answer the story needed did not come (naming what broke), NOT
// EXERCISED when nothing could decide it, PASS when exchanges were judged
// and held. Steps never write rule IDs or judge answers themselves.
//
// # Adding a surface (a new extension kind)
//
//  1. manifest: Types lists it (its type is reference.ExtensionKind).
//  2. fakes/marketplace: Sends and SendsIsShared know it, SendExtension
//     sends it and JudgeExtension judges its answers.
//  3. fakes/app: handlers for it, and faults that break it with the kind in
//     their FaultInfo.Kinds.
//  4. here: nothing, when the groups the checks' Kinds are built from
//     (surfaces: every kind the marketplace sends; shareable; showing)
//     take it in as they should; otherwise add it to the Kinds of the
//     checks it applies to. The {surface} words follow Sends.
//
// The scenarios need no change: "Alice's extensions are refused" runs on
// every open surface, sending to every extension of that kind the
// manifest declares, and the fault matrix in certify picks the new shapes
// up from the sample manifest and the checks' and faults' data. A step
// that acts on one surface only ("Alice's JSON modal is opened and
// submitted") leaves the others open.
//
// # Adding a check
//
//  1. rules: the rule's ID constant (rules/ids.go).
//  2. here: a Check in checks, with its Kinds, Modes and Exercise.
//  3. features/ (beside this file): scenarios tagged with the rule, in the existing
//     phrases where they fit; a new phrase is a Def in steps() whose
//     placeholders give typed arguments (stepdef.Arg).
//  4. fakes/marketplace: a judge that finds the rule broken.
//  5. fakes/app: a fault that breaks the rule, so the matrix shows the
//     check can fail; then take the rule off rules/pending.txt.
package suite
