package steps

// zoomSteps are the steps of the Zoom suite (rules ZM-01..14).
func zoomSteps() []def { return nil }
