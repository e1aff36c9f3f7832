package suite

import "embed"

// Features holds the app certification suite's scenarios (features/*.feature
// beside this file), which appcert certify runs against an app under test
// through the fake marketplace. Root is their folder in it.
//
//go:embed all:features
var Features embed.FS

// Root is the folder of the scenarios in Features.
const Root = "features"
