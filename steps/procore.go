package steps

// procoreSteps are the steps of the Procore suite (rules PC-01..06).
func procoreSteps() []def { return nil }
