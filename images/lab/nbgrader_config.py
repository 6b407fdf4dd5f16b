# nbgrader's learner side in a learner's JupyterLab: the exchange goes through the course service.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "decoder-le-code"
c.Exchange.assignment_dir = "/home/jovyan/exercices"
c.ExchangeFactory.fetch_assignment = "decoder_exchange.DecoderFetchAssignment"
c.ExchangeFactory.fetch_feedback = "decoder_exchange.DecoderFetchFeedback"
c.ExchangeFactory.submit = "decoder_exchange.DecoderSubmit"
c.ExchangeFactory.list = "decoder_exchange.DecoderList"
c.ExchangeFactory.release_assignment = "decoder_exchange.DecoderReleaseAssignment"
c.ExchangeFactory.release_feedback = "decoder_exchange.DecoderReleaseFeedback"
c.ExchangeFactory.collect = "decoder_exchange.DecoderCollect"
