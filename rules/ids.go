package rules

// The app rules, by ID: code names a rule by one of these, so a misspelt
// rule does not compile, and TestID_Catalogue holds the list to the
// catalogue both ways.
const (
	PDShare21  ID = "PD-SHARE-21"
	PDShare22  ID = "PD-SHARE-22"
	PDShare23  ID = "PD-SHARE-23"
	PDShare24  ID = "PD-SHARE-24"
	PDScope07  ID = "PD-SCOPE-07"
	PDScope08  ID = "PD-SCOPE-08"
	PDExt02    ID = "PD-EXT-02"
	PDExt03    ID = "PD-EXT-03"
	PDExt04    ID = "PD-EXT-04"
	PDExt05    ID = "PD-EXT-05"
	PDExt06    ID = "PD-EXT-06"
	PDUninst02 ID = "PD-UNINST-02"
	PDOAuth02  ID = "PD-OAUTH-02"
	PDOAuth03  ID = "PD-OAUTH-03"
	PDOAuth04  ID = "PD-OAUTH-04"
	PDOAuth05  ID = "PD-OAUTH-05"
	PDOAuth06  ID = "PD-OAUTH-06"
	PDAPI03    ID = "PD-API-03"
)

// AppIDs lists the constants above, in catalogue order.
func AppIDs() []ID {
	return []ID{PDShare21, PDShare22, PDShare23, PDShare24, PDScope07, PDScope08,
		PDExt02, PDExt03, PDExt04, PDExt05, PDExt06, PDUninst02,
		PDOAuth02, PDOAuth03, PDOAuth04, PDOAuth05, PDOAuth06, PDAPI03}
}
